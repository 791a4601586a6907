using System.Collections.Concurrent;
using LlmRouter.Configuration;

namespace LlmRouter.Limits;

/// <summary>
/// The store for a single replica (no Redis configured) and the per-replica fallback while Redis is down in
/// <c>Open</c> mode. Same semantics as the Redis scripts, under one lock; runtime keys live only in memory.
/// </summary>
internal sealed class InProcessFleetStore : IFleetStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Counters> _scopes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Counters> _deployments = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _cooldowns = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RuntimeKey> _keys = new(StringComparer.Ordinal);
    private long _keysVersion;

    public string Name => "in-process";

    public Task<AdmissionResult> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        var nowMs = request.Now.ToUnixTimeMilliseconds();
        var costNanos = LimitWindows.ToNanos(request.CostUsd);
        lock (_lock)
        {
            for (var i = 0; i < request.Scopes.Count; i++)
            {
                var limits = request.Scopes[i].Limits;
                var counters = CountersOf(_scopes, request.Scopes[i].Id);
                counters.Prune(nowMs);
                if (limits.RequestsPerMinute is { } rpm && counters.Requests.Count >= rpm)
                {
                    return Task.FromResult(AdmissionResult.Reject(i, LimitKind.Requests, TimeSpan.FromMilliseconds(counters.Requests.Peek() + LimitWindows.MinuteMs - nowMs)));
                }

                if (limits.TokensPerMinute is { } tpm && counters.SlidingTokens(nowMs) + request.Tokens > tpm)
                {
                    return Task.FromResult(AdmissionResult.Reject(i, LimitKind.Tokens, TimeSpan.FromMilliseconds(LimitWindows.MinuteMs - (nowMs % LimitWindows.MinuteMs))));
                }

                if (limits.MaxParallelRequests is { } parallel && counters.Leases.Count >= parallel)
                {
                    return Task.FromResult(AdmissionResult.Reject(i, LimitKind.Parallel, TimeSpan.FromSeconds(1)));
                }

                if (limits.BudgetUsd is { } budget
                    && counters.Budget.GetValueOrDefault(LimitWindows.BudgetPeriod(limits.BudgetWindow, request.Now)) + costNanos > LimitWindows.ToNanos(budget))
                {
                    return Task.FromResult(AdmissionResult.Reject(i, LimitKind.Budget, TimeSpan.Zero));
                }
            }

            var states = new ScopeState[request.Scopes.Count];
            var leaseUntil = nowMs + (long)request.LeaseTtl.TotalMilliseconds;
            for (var i = 0; i < request.Scopes.Count; i++)
            {
                var limits = request.Scopes[i].Limits;
                var counters = _scopes[request.Scopes[i].Id];
                counters.Requests.Enqueue(nowMs);
                counters.AddTokens(LimitWindows.MinuteOf(nowMs), request.Tokens);
                if (limits.MaxParallelRequests is not null)
                {
                    counters.Leases[request.Id] = leaseUntil;
                }

                if (limits.BudgetUsd is not null)
                {
                    var period = LimitWindows.BudgetPeriod(limits.BudgetWindow, request.Now);
                    counters.Budget[period] = counters.Budget.GetValueOrDefault(period) + costNanos;
                }

                states[i] = new ScopeState(
                    limits.RequestsPerMinute is { } rpm ? rpm - counters.Requests.Count : long.MaxValue,
                    TimeSpan.FromMilliseconds(counters.Requests.Peek() + LimitWindows.MinuteMs - nowMs),
                    limits.TokensPerMinute is { } tpm ? Math.Max(0, tpm - counters.SlidingTokens(nowMs)) : long.MaxValue,
                    TimeSpan.FromMilliseconds(LimitWindows.MinuteMs - (nowMs % LimitWindows.MinuteMs)));
            }

            return Task.FromResult(AdmissionResult.Accept(states));
        }
    }

    public Task<DateTimeOffset?> SettleAsync(Settlement settlement, CancellationToken cancellationToken)
    {
        var admittedMinute = LimitWindows.MinuteOf(settlement.AdmittedAt.ToUnixTimeMilliseconds());
        var costDelta = LimitWindows.ToNanos(settlement.ActualCostUsd) - LimitWindows.ToNanos(settlement.ReservedCostUsd);
        DateTimeOffset? atQuotaUntil = null;
        lock (_lock)
        {
            foreach (var scope in settlement.Scopes)
            {
                var counters = CountersOf(_scopes, scope.Id);
                counters.AddTokens(admittedMinute, settlement.ActualTokens - settlement.ReservedTokens);
                counters.Leases.Remove(settlement.Id);
                var period = LimitWindows.BudgetPeriod(scope.Limits.BudgetWindow, settlement.AdmittedAt);
                if (counters.Budget.TryGetValue(period, out var spent))
                {
                    counters.Budget[period] = spent + costDelta;
                }

                counters.TotalRequests++;
                counters.TotalTokens += settlement.ActualTokens;
                counters.TotalCostNanos += LimitWindows.ToNanos(settlement.ActualCostUsd);
            }

            if (settlement.Deployment is { } deployment && (deployment.RequestsPerMinute is not null || deployment.TokensPerMinute is not null))
            {
                var nowMs = settlement.Now.ToUnixTimeMilliseconds();
                var counters = CountersOf(_deployments, deployment.DeploymentId);
                counters.Prune(nowMs);
                counters.Requests.Enqueue(nowMs);
                counters.AddTokens(LimitWindows.MinuteOf(nowMs), deployment.Tokens);
                if (deployment.RequestsPerMinute is { } rpm && counters.Requests.Count >= rpm)
                {
                    atQuotaUntil = DateTimeOffset.FromUnixTimeMilliseconds(counters.Requests.Peek() + LimitWindows.MinuteMs);
                }

                if (deployment.TokensPerMinute is { } tpm && counters.SlidingTokens(nowMs) >= tpm)
                {
                    var endOfMinute = DateTimeOffset.FromUnixTimeMilliseconds((LimitWindows.MinuteOf(nowMs) + 1) * LimitWindows.MinuteMs);
                    atQuotaUntil = atQuotaUntil is { } until && until > endOfMinute ? until : endOfMinute;
                }
            }
        }

        if (atQuotaUntil is { } quotaUntil && settlement.Deployment is { } d)
        {
            PublishCooldown(d.DeploymentId, quotaUntil);
        }

        return Task.FromResult(atQuotaUntil);
    }

    // A few dictionary updates under the lock: cheaper done here than handed to another thread.
    public void Post(Settlement settlement) => _ = SettleAsync(settlement, CancellationToken.None);

    public Task RenewLeasesAsync(IReadOnlyList<(string Id, LimitScope Scope)> leases, DateTimeOffset until, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var (id, scope) in leases)
            {
                if (_scopes.TryGetValue(scope.Id, out var counters) && counters.Leases.ContainsKey(id))
                {
                    counters.Leases[id] = until.ToUnixTimeMilliseconds();
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<ScopeUsage> UsageAsync(LimitScope scope, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        lock (_lock)
        {
            if (!_scopes.TryGetValue(scope.Id, out var counters))
            {
                return Task.FromResult(default(ScopeUsage));
            }

            counters.Prune(nowMs);
            return Task.FromResult(new ScopeUsage(
                counters.Requests.Count,
                counters.SlidingTokens(nowMs),
                counters.Leases.Count,
                LimitWindows.ToUsd(counters.Budget.GetValueOrDefault(LimitWindows.BudgetPeriod(scope.Limits.BudgetWindow, now))),
                counters.TotalRequests,
                counters.TotalTokens,
                LimitWindows.ToUsd(counters.TotalCostNanos))
            {
                RequestsReset = counters.Requests.Count > 0 ? TimeSpan.FromMilliseconds(counters.Requests.Peek() + LimitWindows.MinuteMs - nowMs) : TimeSpan.Zero,
            });
        }
    }

    public Task PublishCooldownAsync(string deploymentId, DateTimeOffset until, CancellationToken cancellationToken)
    {
        PublishCooldown(deploymentId, until);
        return Task.CompletedTask;
    }

    public Task<FleetSnapshot> PollAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cooldowns = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var (id, until) in _cooldowns)
        {
            if (until > now)
            {
                cooldowns[id] = until;
            }
        }

        return Task.FromResult(new FleetSnapshot(cooldowns, Interlocked.Read(ref _keysVersion)));
    }

    public Task<bool> CreateKeyAsync(RuntimeKey key, CancellationToken cancellationToken)
    {
        var added = _keys.TryAdd(key.Name, key);
        if (added)
        {
            Interlocked.Increment(ref _keysVersion);
        }

        return Task.FromResult(added);
    }

    public Task<bool> DeleteKeyAsync(string name, CancellationToken cancellationToken)
    {
        var removed = _keys.TryRemove(name, out _);
        if (removed)
        {
            Interlocked.Increment(ref _keysVersion);
        }

        return Task.FromResult(removed);
    }

    public Task<IReadOnlyList<RuntimeKey>> ListKeysAsync(CancellationToken cancellationToken)
        => Task.FromResult<IReadOnlyList<RuntimeKey>>([.. _keys.Values]);

    private void PublishCooldown(string deploymentId, DateTimeOffset until)
        => _cooldowns.AddOrUpdate(deploymentId, until, (_, current) => current > until ? current : until);

    private static Counters CountersOf(Dictionary<string, Counters> all, string id)
    {
        if (!all.TryGetValue(id, out var counters))
        {
            counters = new Counters();
            all[id] = counters;
        }

        return counters;
    }

    /// <summary>One scope's windows: request times (sliding log), tokens per fixed minute, leases, spend per budget period, totals.</summary>
    private sealed class Counters
    {
        public Queue<long> Requests { get; } = new();

        public Dictionary<long, long> TokensByMinute { get; } = [];

        public Dictionary<string, long> Leases { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, long> Budget { get; } = new(StringComparer.Ordinal);

        public long TotalRequests { get; set; }

        public long TotalTokens { get; set; }

        public long TotalCostNanos { get; set; }

        public void Prune(long nowMs)
        {
            while (Requests.Count > 0 && Requests.Peek() <= nowMs - LimitWindows.MinuteMs)
            {
                Requests.Dequeue();
            }

            var minute = LimitWindows.MinuteOf(nowMs);
            foreach (var old in TokensByMinute.Keys.Where(m => m < minute - 1).ToList())
            {
                TokensByMinute.Remove(old);
            }

            foreach (var expired in Leases.Where(l => l.Value <= nowMs).Select(l => l.Key).ToList())
            {
                Leases.Remove(expired);
            }
        }

        public void AddTokens(long minute, long tokens)
        {
            if (tokens != 0)
            {
                TokensByMinute[minute] = TokensByMinute.GetValueOrDefault(minute) + tokens;
            }
        }

        public long SlidingTokens(long nowMs)
        {
            var minute = LimitWindows.MinuteOf(nowMs);
            return LimitWindows.SlidingTokens(TokensByMinute.GetValueOrDefault(minute - 1), TokensByMinute.GetValueOrDefault(minute), nowMs);
        }
    }
}
