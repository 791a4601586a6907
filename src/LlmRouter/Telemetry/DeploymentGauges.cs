using System.Diagnostics.Metrics;
using LlmRouter.Configuration;
using LlmRouter.Routing.Stats;
using Yarp.ReverseProxy;

namespace LlmRouter.Telemetry;

/// <summary>Per-deployment live state as observable gauges, read from the same store the policies use.</summary>
internal sealed class DeploymentGauges
{
    private readonly LiveStatsStore _stats;
    private readonly CatalogProvider _catalog;
    private readonly IProxyStateLookup _proxyState;

    public DeploymentGauges(GatewayMetrics metrics, LiveStatsStore stats, CatalogProvider catalog, IProxyStateLookup proxyState)
    {
        _stats = stats;
        _catalog = catalog;
        _proxyState = proxyState;
        var meter = metrics.Meter;
        meter.CreateObservableGauge("llmrouter.deployment.in_flight", ObserveInFlight, "{request}", "Requests in flight per deployment, streams until their last byte.");
        meter.CreateObservableGauge("llmrouter.deployment.cooldown", ObserveCooldown, "{deployment}", "1 while a deployment cools down after Retry-After.");
        meter.CreateObservableGauge("llmrouter.deployment.latency_ewma", () => Observe(s => s.LatencyEwmaMs / 1000), "s", "Peak-EWMA latency per deployment.");
        meter.CreateObservableGauge("llmrouter.deployment.ttft_ewma", () => Observe(s => s.TimeToFirstTokenEwmaMs / 1000), "s", "EWMA time to first token per deployment.");
        meter.CreateObservableGauge("llmrouter.deployment.error_rate", () => Observe(s => s.ErrorRate), "1", "Time-decayed error rate per deployment.");
    }

    private IEnumerable<Measurement<int>> ObserveInFlight()
    {
        // A deployment in several clusters has one destination state per cluster; the sum is its load.
        var totals = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var cluster in _proxyState.GetClusters())
        {
            foreach (var destination in cluster.Destinations.Values)
            {
                totals[destination.DestinationId] = totals.GetValueOrDefault(destination.DestinationId) + destination.ConcurrentRequestCount;
            }
        }

        foreach (var id in _catalog.Current.Deployments.Keys)
        {
            yield return new Measurement<int>(totals.GetValueOrDefault(id), new KeyValuePair<string, object?>("llmrouter.deployment", id));
        }
    }

    private IEnumerable<Measurement<int>> ObserveCooldown()
    {
        foreach (var id in _catalog.Current.Deployments.Keys)
        {
            yield return new Measurement<int>(_stats.Get(id).Snapshot().IsCoolingDown ? 1 : 0, new KeyValuePair<string, object?>("llmrouter.deployment", id));
        }
    }

    private IEnumerable<Measurement<double>> Observe(Func<DeploymentStatsSnapshot, double> value)
    {
        foreach (var id in _catalog.Current.Deployments.Keys)
        {
            yield return new Measurement<double>(value(_stats.Get(id).Snapshot()), new KeyValuePair<string, object?>("llmrouter.deployment", id));
        }
    }
}
