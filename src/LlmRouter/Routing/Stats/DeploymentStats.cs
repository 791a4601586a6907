namespace LlmRouter.Routing.Stats;

/// <summary>
/// Live figures for one deployment: peak-EWMA latency and time to first token, a time-decayed error rate,
/// output speed, last error and Retry-After cooldown. Writers take a short uncontended lock once per
/// request; readers get a decayed snapshot.
/// </summary>
internal sealed class DeploymentStats
{
    // Decay constant: a sample's influence halves in about 7 s (tau 10 s), so a recovered deployment wins
    // traffic back within tens of seconds while a single slow call does not dominate for long.
    private static readonly TimeSpan DecayTau = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private long _samples;
    private double _latencyMs;
    private double _ttftMs;
    private double _errorRate;
    private double _tokensPerSecond;
    private long _updatedTicks;
    private DateTimeOffset? _cooldownUntil;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;

    public DeploymentStats(string deploymentId, TimeProvider time)
    {
        DeploymentId = deploymentId;
        _time = time;
    }

    public string DeploymentId { get; }

    public void Record(in UpstreamOutcome outcome)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            var weight = _samples == 0 ? 0 : DecayWeight(now.UtcTicks - _updatedTicks);
            var latency = outcome.Duration.TotalMilliseconds;

            // Peak EWMA: a slower sample takes effect at once, a faster one is averaged in.
            _latencyMs = latency > _latencyMs || _samples == 0 ? latency : (_latencyMs * weight) + (latency * (1 - weight));
            if (outcome.TimeToFirstToken is { } ttft)
            {
                var ms = ttft.TotalMilliseconds;
                _ttftMs = ms > _ttftMs || _ttftMs == 0 ? ms : (_ttftMs * weight) + (ms * (1 - weight));
            }

            _errorRate = (_errorRate * weight) + ((outcome.Success ? 0 : 1) * (1 - weight));
            if (_samples == 0)
            {
                _errorRate = outcome.Success ? 0 : 1;
            }

            if (outcome.Success && outcome.OutputTokens > 0 && outcome.Duration > TimeSpan.Zero)
            {
                var generation = outcome.Duration - (outcome.TimeToFirstToken ?? TimeSpan.Zero);
                var tps = outcome.OutputTokens / Math.Max(generation.TotalSeconds, 0.001);
                _tokensPerSecond = _tokensPerSecond == 0 ? tps : (_tokensPerSecond * weight) + (tps * (1 - weight));
            }

            if (!outcome.Success)
            {
                _lastError = outcome.ErrorType ?? (outcome.StatusCode == 0 ? "connection_error" : $"http_{outcome.StatusCode}");
                _lastErrorAt = now;
            }

            if (outcome.RetryAfter is { } retryAfter && retryAfter > TimeSpan.Zero)
            {
                var until = now + retryAfter;
                _cooldownUntil = _cooldownUntil is { } current && current > until ? current : until;
            }

            _samples++;
            _updatedTicks = now.UtcTicks;
        }
    }

    /// <summary>Puts the deployment in cooldown until the given time (extends, never shortens).</summary>
    public void CoolDown(DateTimeOffset until)
    {
        lock (_lock)
        {
            _cooldownUntil = _cooldownUntil is { } current && current > until ? current : until;
        }
    }

    public DeploymentStatsSnapshot Snapshot()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            // Without new samples the error rate decays toward zero and latency toward the last fast value,
            // so an idle deployment that failed earlier becomes eligible again instead of being starved.
            var decay = _samples == 0 ? 0 : DecayWeight(now.UtcTicks - _updatedTicks);
            return new DeploymentStatsSnapshot(
                DeploymentId,
                _samples,
                _latencyMs,
                _ttftMs,
                _errorRate * decay,
                _tokensPerSecond,
                _cooldownUntil,
                _lastError,
                _lastErrorAt,
                now);
        }
    }

    private static double DecayWeight(long elapsedTicks)
        => elapsedTicks <= 0 ? 1 : Math.Exp(-elapsedTicks / (double)DecayTau.Ticks);
}
