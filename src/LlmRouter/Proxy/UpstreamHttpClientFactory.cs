using System.Diagnostics;
using Yarp.ReverseProxy.Forwarder;

namespace LlmRouter.Proxy;

/// <summary>
/// YARP's forwarder client. When spans are exported it propagates only W3C trace context upstream (see
/// <see cref="TraceContextOnlyPropagator"/>); otherwise it has no propagator and thus no diagnostics handler, and
/// <see cref="UpstreamHeaders"/> writes the trace context (see <see cref="UpstreamTracing"/>).
/// </summary>
internal sealed class UpstreamHttpClientFactory : ForwarderHttpClientFactory
{
    private readonly UpstreamTracing _tracing;

    public UpstreamHttpClientFactory(UpstreamTracing tracing)
    {
        _tracing = tracing;
    }

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ActivityHeadersPropagator = _tracing.HandlerPropagates ? new TraceContextOnlyPropagator() : null;
    }
}
