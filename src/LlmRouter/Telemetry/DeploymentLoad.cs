using Yarp.ReverseProxy;

namespace LlmRouter.Telemetry;

/// <summary>In-flight requests per deployment, read from YARP's destination states.</summary>
internal static class DeploymentLoad
{
    /// <summary>
    /// A deployment serving several routes has one destination state per YARP cluster; the sum is its load.
    /// </summary>
    public static Dictionary<string, int> InFlightByDeployment(IProxyStateLookup proxyState)
    {
        var totals = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var cluster in proxyState.GetClusters())
        {
            foreach (var destination in cluster.Destinations.Values)
            {
                totals[destination.DestinationId] = totals.GetValueOrDefault(destination.DestinationId) + destination.ConcurrentRequestCount;
            }
        }

        return totals;
    }
}
