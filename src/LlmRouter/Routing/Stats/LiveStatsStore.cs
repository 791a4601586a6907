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

    /// <summary>
    /// Told when an upstream's Retry-After puts a deployment in cooldown, so the cooldown can be shared with the
    /// fleet (cooldowns learnt from the fleet arrive through <see cref="DeploymentStats.CoolDown"/> and are not re-announced).
    /// </summary>
    public Action<string, DateTimeOffset>? CooldownStarted { get; set; }

    public DeploymentStats Get(string deploymentId)
        => _stats.TryGetValue(deploymentId, out var stats) ? stats : _stats.GetOrAdd(deploymentId, id => new DeploymentStats(id, _time, AnnounceCooldown));

    private void AnnounceCooldown(string deploymentId, DateTimeOffset until) => CooldownStarted?.Invoke(deploymentId, until);
}
