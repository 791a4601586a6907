using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols;
using LlmRouter.Protocols.Anthropic;

namespace LlmRouter.Routing;

/// <summary>
/// Per-request routing data set once by the parsing step and read by the load-balancing policies, the
/// transforms and the accounting. Lives on <c>HttpContext.Features</c>.
/// </summary>
internal sealed class ChatRoutingFeature
{
    public ChatRoutingFeature(ChatRequest request, RouteDefinition route, RouterCatalog catalog)
    {
        Request = request;
        Route = route;
        Catalog = catalog;
    }

    public ChatRequest Request { get; }

    /// <summary>The API the client speaks; it decides the response and error shapes.</summary>
    public ClientProtocol Protocol { get; init; }

    /// <summary>The client's Anthropic Messages request when <see cref="Protocol"/> is Anthropic (<see cref="Request"/> is its translation).</summary>
    public AnthropicRequest? Anthropic { get; init; }

    /// <summary>The route the client's model name resolved to.</summary>
    public RouteDefinition Route { get; }

    /// <summary>The catalog snapshot the request started with.</summary>
    public RouterCatalog Catalog { get; }

    /// <summary>Task category, when the contextual policy classified the request or the client stated it.</summary>
    public string? Category { get; set; }

    /// <summary>Where <see cref="Category"/> came from: header, metadata or classifier.</summary>
    public string? CategorySource { get; set; }

    /// <summary>The policy's explanation of its last pick, recorded only when <see cref="Explain"/> is set.</summary>
    public RoutingDecision? Decision { get; set; }

    /// <summary>Dry run (<c>/v1/router/decide</c>): policies record every candidate's score or reason.</summary>
    public bool Explain { get; init; }
}
