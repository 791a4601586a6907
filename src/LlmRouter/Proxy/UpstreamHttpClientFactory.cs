using System.Diagnostics;
using Yarp.ReverseProxy.Forwarder;

namespace LlmRouter.Proxy;

/// <summary>YARP's forwarder client, propagating only W3C trace context upstream (see <see cref="TraceContextOnlyPropagator"/>).</summary>
internal sealed class UpstreamHttpClientFactory : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ActivityHeadersPropagator = new ReverseProxyPropagator(new TraceContextOnlyPropagator(DistributedContextPropagator.Current));
    }
}
