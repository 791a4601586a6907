using System.Collections.Concurrent;

namespace LlmRouter.Routing.Stats;

/// <summary>The one source of truth for live per-deployment figures: fed by forwarding, read by policies, metrics and admin.</summary>
internal sealed class LiveStatsStore
{
    private readonly ConcurrentDictionary<string, DeploymentStats> _stats = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public LiveStatsStore(TimeProvider time)
    {
        _time = time;
    }

    public TimeProvider Time => _time;

    public DeploymentStats Get(string deploymentId)
        => _stats.TryGetValue(deploymentId, out var stats) ? stats : _stats.GetOrAdd(deploymentId, id => new DeploymentStats(id, _time));
}
