using LlmRouter.Configuration;
using LlmRouter.Proxy.Attempts;
using LlmRouter.Routing;
using Microsoft.Extensions.Configuration;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;

namespace LlmRouter.Proxy;

/// <summary>
/// Points the outgoing request at the provider's path and gives it exactly the headers of
/// <see cref="UpstreamHeaders"/>: client headers are not copied (see <see cref="ChatTransformProvider"/>), so the
/// client's key never reaches an upstream, and the deployment's key never reaches a log.
/// </summary>
internal sealed class ChatRequestTransform : RequestTransform
{
    // A simulated upstream checks that auth headers are present, not what they hold.
    private const string SimulatedKey = "simulated-key";

    private readonly IConfiguration _configuration;
    private readonly UpstreamTracing _tracing;

    public ChatRequestTransform(IConfiguration configuration, UpstreamTracing tracing)
    {
        _configuration = configuration;
        _tracing = tracing;
    }

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        var http = context.HttpContext;
        var attempt = http.Features.Get<UpstreamAttempt>();
        var routing = http.Features.Get<ChatRoutingFeature>();
        var destination = http.Features.Get<IReverseProxyFeature>()?.ProxiedDestination;
        if (attempt?.Deployment is not { } deployment || attempt.Adapter is not { } adapter || routing is null || destination?.DestinationId != deployment.Id)
        {
            return ValueTask.CompletedTask;
        }

        context.ProxyRequest.RequestUri = new Uri(context.DestinationPrefix.TrimEnd('/') + attempt.PathAndQuery, UriKind.Absolute);
        UpstreamHeaders.Apply(context.ProxyRequest, http, deployment, adapter, ResolveKey(_configuration, deployment), routing.Request.Stream,
            routing.Catalog.Options.ForwardClientAddress, writeTraceContext: !_tracing.HandlerPropagates);
        return ValueTask.CompletedTask;
    }

    /// <summary>The deployment's API key from the variable its configuration names (never from configuration values themselves).</summary>
    internal static string? ResolveKey(IConfiguration configuration, Deployment deployment)
    {
        var variable = deployment.Options.ApiKeyVariable;
        var key = string.IsNullOrEmpty(variable) ? null : configuration[variable];
        return string.IsNullOrEmpty(key) && deployment.IsSimulated ? SimulatedKey : key;
    }
}
