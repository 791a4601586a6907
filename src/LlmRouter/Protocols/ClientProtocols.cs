using LlmRouter.Routing;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Protocols;

/// <summary>
/// The one place that says which protocol a request speaks: the routing feature once parsed; else the path
/// (<c>/v1/messages…</c> is Anthropic, <c>/v1/chat/completions</c> OpenAI); on the shared endpoints (<c>/v1/models</c>,
/// <c>/v1/router/decide</c>, unknown URLs) Anthropic when the request carries <c>anthropic-version</c>, which every
/// Anthropic SDK sends.
/// </summary>
internal static class ClientProtocols
{
    public const string MessagesPath = "/v1/messages";

    public const string CountTokensPath = "/v1/messages/count_tokens";

    public const string AnthropicVersionHeader = "anthropic-version";

    public static ClientProtocol FromRequest(HttpRequest request)
    {
        if (request.Path.StartsWithSegments(MessagesPath, StringComparison.OrdinalIgnoreCase))
        {
            return ClientProtocol.Anthropic;
        }

        return !request.Path.StartsWithSegments(Proxy.ProxyIds.ChatPath, StringComparison.OrdinalIgnoreCase) && request.Headers.ContainsKey(AnthropicVersionHeader)
            ? ClientProtocol.Anthropic
            : ClientProtocol.OpenAI;
    }

    public static ClientProtocol Of(HttpContext context)
        => context.Features.Get<ChatRoutingFeature>()?.Protocol ?? FromRequest(context.Request);
}
