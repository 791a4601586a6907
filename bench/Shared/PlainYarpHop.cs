using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace LlmRouter.Bench;

/// <summary>
/// The benchmarks' plain YARP hop, for the load benchmark's proxy process and the in-process allocation measurement
/// alike: one catch-all route to one destination, no parsing, no policy — what YARP costs before LlmRouter adds anything.
/// </summary>
internal static class PlainYarpHop
{
    public static IReverseProxyBuilder AddPlainYarpHop(this IServiceCollection services, Uri upstream)
        => services.AddReverseProxy().LoadFromMemory(
            [new RouteConfig { RouteId = "all", ClusterId = "upstream", Match = new RouteMatch { Path = "/{**catch-all}" } }],
            [new ClusterConfig
            {
                ClusterId = "upstream",
                Destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal)
                {
                    ["fake"] = new DestinationConfig { Address = upstream.AbsoluteUri },
                },
            }]);
}
