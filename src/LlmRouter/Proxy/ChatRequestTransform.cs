using LlmRouter.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;

namespace LlmRouter.Proxy;

/// <summary>
/// Points the outgoing request at the provider's path and replaces the client's credentials with the
/// deployment's own. The client's key never reaches an upstream, and the deployment's key never reaches a log.
/// </summary>
internal sealed class ChatRequestTransform : RequestTransform
{
    // A simulated upstream checks that auth headers are present, not what they hold.
    private const string SimulatedKey = "simulated-key";

    // Client credentials and provider headers are replaced per deployment; Accept-Encoding goes because
    // upstream bodies are parsed for translation and usage, so they must arrive uncompressed.
    private static readonly string[] ClientOnlyHeaders =
    [
        HeaderNames.Authorization, "x-api-key", "x-goog-api-key", "api-key", "anthropic-version", "anthropic-beta",
        "openai-organization", "openai-project", HeaderNames.AcceptEncoding, HeaderNames.Cookie,
    ];

    private readonly IConfiguration _configuration;

    public ChatRequestTransform(IConfiguration configuration)
    {
        _configuration = configuration;
    }

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        // Client credentials never go upstream, whatever happens below.
        var headers = context.ProxyRequest.Headers;
        foreach (var name in ClientOnlyHeaders)
        {
            headers.Remove(name);
        }

        foreach (var header in context.HttpContext.Request.Headers)
        {
            if (header.Key.StartsWith("x-llmrouter-", StringComparison.OrdinalIgnoreCase))
            {
                headers.Remove(header.Key);
            }
        }

        var state = context.HttpContext.Features.Get<ForwardingState>();
        var destination = context.HttpContext.Features.Get<IReverseProxyFeature>()?.ProxiedDestination;
        if (state?.Deployment is not { } deployment || state.Adapter is not { } adapter || destination?.DestinationId != deployment.Id)
        {
            return ValueTask.CompletedTask;
        }

        context.ProxyRequest.RequestUri = new Uri(context.DestinationPrefix.TrimEnd('/') + state.PathAndQuery, UriKind.Absolute);
        adapter.ApplyHeaders(headers, ResolveKey(deployment));
        return ValueTask.CompletedTask;
    }

    private string? ResolveKey(Deployment deployment)
    {
        var variable = deployment.Options.ApiKeyVariable;
        var key = string.IsNullOrEmpty(variable) ? null : _configuration[variable];
        return string.IsNullOrEmpty(key) && deployment.IsSimulated ? SimulatedKey : key;
    }
}
