using System.Diagnostics.Metrics;
using LlmRouter.Configuration;
using LlmRouter.Resilience;
using LlmRouter.Routing.Stats;
using Yarp.ReverseProxy;

namespace LlmRouter.Telemetry;

/// <summary>Per-deployment live state as observable gauges, read from the same store the policies use.</summary>
internal sealed class DeploymentGauges
{
    private readonly LiveStatsStore _stats;
    private readonly CatalogProvider _catalog;
    private readonly IProxyStateLookup _proxyState;
    private readonly DeploymentCircuitBreakers _breakers;

    public DeploymentGauges(GatewayMetrics metrics, LiveStatsStore stats, CatalogProvider catalog, IProxyStateLookup proxyState, DeploymentCircuitBreakers breakers)
    {
        _stats = stats;
        _catalog = catalog;
        _proxyState = proxyState;
        _breakers = breakers;
        var meter = metrics.Meter;
        meter.CreateObservableGauge("llmrouter.deployment.in_flight", ObserveInFlight, "{request}", "Requests in flight per deployment, streams until their last byte.");
        meter.CreateObservableGauge("llmrouter.deployment.circuit_state", ObserveCircuitState, "{state}", "Circuit breaker state per deployment: 0 closed, 1 half-open, 2 open, 3 isolated.");
        meter.CreateObservableGauge("llmrouter.deployment.cooldown", ObserveCooldown, "{deployment}", "1 while a deployment cools down after Retry-After.");
        meter.CreateObservableGauge("llmrouter.deployment.latency_ewma", () => Observe(s => s.LatencyEwmaMs / 1000), "s", "Peak-EWMA latency per deployment.");
        meter.CreateObservableGauge("llmrouter.deployment.ttft_ewma", () => Observe(s => s.TimeToFirstTokenEwmaMs / 1000), "s", "EWMA time to first token per deployment.");
        meter.CreateObservableGauge("llmrouter.deployment.error_rate", () => Observe(s => s.ErrorRate), "1", "Time-decayed error rate per deployment.");
        meter.CreateObservableGauge("llmrouter.deployment.tokens_per_second", () => Observe(s => s.TokensPerSecond), "{token_per_second}", "EWMA output speed per deployment.");
    }

    private IEnumerable<Measurement<int>> ObserveInFlight()
    {
        var totals = DeploymentLoad.InFlightByDeployment(_proxyState);

        foreach (var id in _catalog.Current.Deployments.Keys)
        {
            yield return new Measurement<int>(totals.GetValueOrDefault(id), new KeyValuePair<string, object?>("llmrouter.deployment", id));
        }
    }

    private IEnumerable<Measurement<int>> ObserveCircuitState()
    {
        foreach (var id in _catalog.Current.Deployments.Keys)
        {
            yield return new Measurement<int>(CircuitStateValues.ToGaugeValue(_breakers.StateOf(id)), new KeyValuePair<string, object?>("llmrouter.deployment", id));
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
