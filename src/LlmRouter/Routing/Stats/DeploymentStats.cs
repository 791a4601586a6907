namespace LlmRouter.Routing.Stats;

/// <summary>
/// Live figures for one deployment: peak-EWMA latency and time to first token, a time-decayed error rate,
/// output speed, last error and Retry-After cooldown. Writers take a short uncontended lock once per
/// request; readers never lock: they read under a sequence counter (seqlock) and retry on a concurrent write,
/// so load-balancing picks stay lock-free.
/// </summary>
internal sealed class DeploymentStats
{
    // Decay constant: a sample's influence halves in about 7 s (tau 10 s), so a recovered deployment wins
    // traffic back within tens of seconds while a single slow call does not dominate for long.
    private static readonly TimeSpan DecayTau = TimeSpan.FromSeconds(10);

    // At high request rates the time-based weight of one sample is tiny (10 ms apart: 0.1 %), which would
    // let a deployment fail hundreds of requests before its error rate shows. Each outcome therefore moves
    // the error rate by at least 10 %: ten straight failures read as about 65 %.
    private const double MaxErrorRetention = 0.9;

    private readonly Lock _writeLock = new();
    private readonly TimeProvider _time;
    private readonly Action<string, DateTimeOffset>? _cooldownStarted;

    // Even when stable, odd while a writer is updating the fields below.
    private int _version;
    private long _samples;
    private double _latencyMs;
    private double _ttftMs;
    private double _errorRate;
    private double _tokensPerSecond;
    private long _updatedTicks;
    private long _cooldownUntilTicks;
    private string? _lastError;
    private long _lastErrorTicks;
    private long _lastProbeTicks;

    public DeploymentStats(string deploymentId, TimeProvider time, Action<string, DateTimeOffset>? cooldownStarted = null)
    {
        DeploymentId = deploymentId;
        _time = time;
        _cooldownStarted = cooldownStarted;
    }

    public string DeploymentId { get; }

    public TimeProvider Time => _time;

    /// <summary>UTC ticks of the last recorded outcome; 0 before the first.</summary>
    public long LastSampleTicks => Volatile.Read(ref _updatedTicks);

    public void Record(in UpstreamOutcome outcome)
    {
        var now = _time.GetUtcNow();
        long announce = 0;
        lock (_writeLock)
        {
            var weight = _samples == 0 ? 0 : DecayWeight(now.UtcTicks - _updatedTicks);
            var latency = outcome.Duration.TotalMilliseconds;

            // Peak EWMA: a slower sample takes effect at once, a faster one is averaged in.
            var latencyMs = latency > _latencyMs || _samples == 0 ? latency : (_latencyMs * weight) + (latency * (1 - weight));
            var ttftMs = _ttftMs;
            if (outcome.TimeToFirstToken is { } ttft)
            {
                var ms = ttft.TotalMilliseconds;
                ttftMs = ms > _ttftMs || _ttftMs == 0 ? ms : (_ttftMs * weight) + (ms * (1 - weight));
            }

            var errorWeight = Math.Min(weight, MaxErrorRetention);
            var errorRate = _samples == 0
                ? (outcome.Success ? 0 : 1)
                : (_errorRate * errorWeight) + ((outcome.Success ? 0 : 1) * (1 - errorWeight));

            var tokensPerSecond = _tokensPerSecond;
            if (outcome.Success && outcome.OutputTokens > 0 && outcome.Duration > TimeSpan.Zero)
            {
                var generation = outcome.Duration - (outcome.TimeToFirstToken ?? TimeSpan.Zero);
                var tps = outcome.OutputTokens / Math.Max(generation.TotalSeconds, 0.001);
                tokensPerSecond = _tokensPerSecond == 0 ? tps : (_tokensPerSecond * weight) + (tps * (1 - weight));
            }

            var cooldownUntil = _cooldownUntilTicks;
            if (outcome.RetryAfter is { } retryAfter && retryAfter > TimeSpan.Zero)
            {
                cooldownUntil = Math.Max(cooldownUntil, (now + retryAfter).UtcTicks);
                announce = cooldownUntil;
            }

            Interlocked.Increment(ref _version);
            _latencyMs = latencyMs;
            _ttftMs = ttftMs;
            _errorRate = errorRate;
            _tokensPerSecond = tokensPerSecond;
            _cooldownUntilTicks = cooldownUntil;
            if (!outcome.Success)
            {
                _lastError = outcome.ErrorType ?? (outcome.StatusCode == 0 ? "connection_error" : $"http_{outcome.StatusCode}");
                _lastErrorTicks = now.UtcTicks;
            }

            _samples++;
            _updatedTicks = now.UtcTicks;
            Interlocked.Increment(ref _version);
        }

        if (announce > 0)
        {
            // Outside the lock: the listener may talk to the fleet store.
            _cooldownStarted?.Invoke(DeploymentId, new DateTimeOffset(announce, TimeSpan.Zero));
        }
    }

    /// <summary>Puts the deployment in cooldown until the given time (extends, never shortens).</summary>
    public void CoolDown(DateTimeOffset until)
    {
        lock (_writeLock)
        {
            Interlocked.Increment(ref _version);
            _cooldownUntilTicks = Math.Max(_cooldownUntilTicks, until.UtcTicks);
            Interlocked.Increment(ref _version);
        }
    }

    /// <summary>True while a Retry-After cooldown is running; a single lock-free read.</summary>
    public bool IsCoolingDown(long nowUtcTicks) => Volatile.Read(ref _cooldownUntilTicks) > nowUtcTicks;

    /// <summary>
    /// Claims the right to send one probe request to a deployment nobody has measured for <paramref name="idleTicks"/>
    /// (or ever), at most once per <paramref name="idleTicks"/>, so a recovered or new deployment is re-measured
    /// instead of starved. Lock-free: concurrent callers race on one compare-exchange and only one wins.
    /// </summary>
    public bool TryClaimProbe(long nowUtcTicks, long idleTicks)
    {
        if (nowUtcTicks - Volatile.Read(ref _updatedTicks) < idleTicks)
        {
            return false;
        }

        var lastProbe = Volatile.Read(ref _lastProbeTicks);
        return nowUtcTicks - lastProbe >= idleTicks
            && Interlocked.CompareExchange(ref _lastProbeTicks, nowUtcTicks, lastProbe) == lastProbe;
    }

    public DeploymentStatsSnapshot Snapshot() => Snapshot(_time.GetUtcNow());

    /// <summary>A consistent, decayed read as of <paramref name="now"/> (lets a caller reading several deployments ask the clock once).</summary>
    public DeploymentStatsSnapshot Snapshot(DateTimeOffset now)
    {
        long samples;
        double latencyMs, ttftMs, errorRate, tokensPerSecond;
        long updatedTicks, cooldownUntilTicks, lastErrorTicks;
        string? lastError;
        var spinner = default(SpinWait);
        while (true)
        {
            var version = Volatile.Read(ref _version);
            if ((version & 1) == 0)
            {
                samples = _samples;
                latencyMs = _latencyMs;
                ttftMs = _ttftMs;
                errorRate = _errorRate;
                tokensPerSecond = _tokensPerSecond;
                updatedTicks = _updatedTicks;
                cooldownUntilTicks = _cooldownUntilTicks;
                lastError = _lastError;
                lastErrorTicks = _lastErrorTicks;
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref _version) == version)
                {
                    break;
                }
            }

            spinner.SpinOnce();
        }

        // Without new samples the error rate decays toward zero, so an idle deployment that failed earlier
        // becomes eligible again instead of being starved.
        var decay = samples == 0 ? 0 : DecayWeight(now.UtcTicks - updatedTicks);
        return new DeploymentStatsSnapshot(
            DeploymentId,
            samples,
            latencyMs,
            ttftMs,
            errorRate * decay,
            tokensPerSecond,
            cooldownUntilTicks == 0 ? null : new DateTimeOffset(cooldownUntilTicks, TimeSpan.Zero),
            lastError,
            lastErrorTicks == 0 ? null : new DateTimeOffset(lastErrorTicks, TimeSpan.Zero),
            now)
        {
            LastSampleAt = updatedTicks == 0 ? null : new DateTimeOffset(updatedTicks, TimeSpan.Zero),
        };
    }

    private static double DecayWeight(long elapsedTicks)
        => elapsedTicks <= 0 ? 1 : Math.Exp(-elapsedTicks / (double)DecayTau.Ticks);
}
