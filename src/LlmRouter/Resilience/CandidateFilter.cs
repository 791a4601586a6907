using LlmRouter.Routing.Stats;
using Polly.CircuitBreaker;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Resilience;

/// <summary>
/// Which destinations may take an attempt: not already failed for this request, circuit not open, not cooling
/// down after Retry-After. Shared by the attempt loop and the dry-run endpoint so both see the same candidates.
/// </summary>
internal sealed class CandidateFilter
{
    private readonly LiveStatsStore _stats;
    private readonly DeploymentCircuitBreakers _breakers;

    public CandidateFilter(LiveStatsStore stats, DeploymentCircuitBreakers breakers)
    {
        _stats = stats;
        _breakers = breakers;
    }

    /// <param name="destinations">The cluster's available destinations.</param>
    /// <param name="failed">Deployments that already failed this request.</param>
    /// <param name="waitingFor">A deployment this request deliberately waited for; its cooldown is over for it.</param>
    /// <param name="soonestRetry">The shortest remaining cooldown among those skipped for cooling down.</param>
    public IReadOnlyList<DestinationState> Eligible(IReadOnlyList<DestinationState> destinations, IReadOnlySet<string>? failed, string? waitingFor, out TimeSpan? soonestRetry)
    {
        soonestRetry = null;
        List<DestinationState>? eligible = null;
        for (var i = 0; i < destinations.Count; i++)
        {
            var destination = destinations[i];
            var reason = Exclusion(destination.DestinationId, failed, waitingFor, out var cooldown);
            if (reason is null)
            {
                eligible?.Add(destination);
                continue;
            }

            // The common case excludes nothing and returns the cluster's own list; copy only once something goes.
            eligible ??= CopyOf(destinations, i);
            if (cooldown is { } wait && (soonestRetry is null || wait < soonestRetry))
            {
                soonestRetry = wait;
            }
        }

        return eligible ?? destinations;
    }

    private static List<DestinationState> CopyOf(IReadOnlyList<DestinationState> destinations, int count)
    {
        var copy = new List<DestinationState>(destinations.Count);
        for (var i = 0; i < count; i++)
        {
            copy.Add(destinations[i]);
        }

        return copy;
    }

    /// <summary>Why a deployment cannot take an attempt now, or null when it can.</summary>
    public string? Exclusion(string deploymentId, IReadOnlySet<string>? failed, string? waitingFor, out TimeSpan? cooldown)
    {
        cooldown = null;
        if (failed?.Contains(deploymentId) == true)
        {
            return "failed earlier in this request";
        }

        if (_breakers.StateOf(deploymentId) == CircuitState.Open)
        {
            return "circuit open";
        }

        var snapshot = _stats.Get(deploymentId).Snapshot();
        if (snapshot.IsCoolingDown && deploymentId != waitingFor)
        {
            cooldown = snapshot.CooldownUntil!.Value - snapshot.AsOf;
            return $"cooling down for {Math.Ceiling(cooldown.Value.TotalSeconds)} s after rate limiting";
        }

        return null;
    }
}
