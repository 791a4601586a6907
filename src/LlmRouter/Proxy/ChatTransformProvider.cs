using Yarp.ReverseProxy.Transforms.Builder;

namespace LlmRouter.Proxy;

/// <summary>Adds LlmRouter's request and response transforms to the routes LlmRouter owns, and leaves other YARP routes alone.</summary>
internal sealed class ChatTransformProvider : ITransformProvider
{
    private readonly ChatRequestTransform _request;
    private readonly ChatResponseTransform _response;

    public ChatTransformProvider(ChatRequestTransform request, ChatResponseTransform response)
    {
        _request = request;
        _response = response;
    }

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        if (context.Route.RouteId.StartsWith(ProxyIds.Prefix, StringComparison.Ordinal))
        {
            // Upstream headers are an allowlist (UpstreamHeaders): nothing of the client's is copied, and
            // X-Forwarded-* is added only when LlmRouter:ForwardClientAddress says so.
            context.CopyRequestHeaders = false;
            context.UseDefaultForwarders = false;
            context.RequestTransforms.Add(_request);
            context.ResponseTransforms.Add(_response);
        }
    }
}
