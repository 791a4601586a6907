using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using LlmRouter.Configuration;
using StackExchange.Redis;

namespace LlmRouter.Limits;

/// <summary>
/// Fleet-wide state in Redis: admissions go in atomic script calls (grouped while a call is in flight, see
/// <see cref="RedisAdmissionBatcher"/>), settlements nobody waits for in batches (<see cref="RedisSettlementBatcher"/>).
/// Calls fail fast (short timeouts, no command backlog while disconnected) so a Redis outage never hangs a request;
/// the caller (<see cref="FleetState"/>) decides what an outage means.
/// </summary>
internal sealed class RedisFleetStore : IFleetStore, IDisposable
{
    private const string Tag = "{llmrouter}";
    private const int MaxCachedScopes = 10_000;
    private static readonly RedisKey Cooldowns = $"{Tag}:cooldowns";
    private static readonly RedisKey KeysHash = $"{Tag}:keys";
    private static readonly RedisKey KeysVersion = $"{Tag}:keys:version";
    private static readonly RedisScript AdmitScript = new(RedisScripts.Admit);
    private static readonly RedisScript SettleScript = new(RedisScripts.Settle);
    private static readonly RedisScript SettleBatchScript = new(RedisScripts.SettleBatch);
    private static readonly RedisScript CoolDownScript = new(RedisScripts.CoolDown);
    private static readonly RedisScript PollScript = new(RedisScripts.Poll);
    private static readonly RedisScript RenewScript = new(RedisScripts.Renew);

    private readonly ConnectionMultiplexer _connection;
    private readonly IDatabase _database;
    private readonly ConcurrentDictionary<string, RedisScopeKeys> _keys = new(StringComparer.Ordinal);
    private readonly RedisAdmissionBatcher _admissions;
    private readonly RedisSettlementBatcher _settlements;
    private readonly Action<Exception, int> _settlementsFailed;

    /// <param name="configuration">The StackExchange.Redis connection string.</param>
    /// <param name="settlementsFailed">Told when a batch of posted settlements could not be sent, and how many it held.</param>
    public RedisFleetStore(string configuration, Action<Exception, int>? settlementsFailed = null)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;

        // Short by default so a Redis outage never holds requests; a connection string may set its own.
        if (!Sets(configuration, "connectTimeout"))
        {
            options.ConnectTimeout = 1000;
        }

        if (!Sets(configuration, "syncTimeout"))
        {
            options.SyncTimeout = 500;
        }

        if (!Sets(configuration, "asyncTimeout"))
        {
            options.AsyncTimeout = 500;
        }

        options.ConnectRetry = 1;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ReconnectRetryPolicy = new LinearRetry(500);
        _connection = ConnectionMultiplexer.Connect(options);
        _database = _connection.GetDatabase();
        _admissions = new RedisAdmissionBatcher(AdmitBatchAsync);
        _settlementsFailed = settlementsFailed ?? ((_, _) => { });
        _settlements = new RedisSettlementBatcher(SettleBatchAsync, _settlementsFailed);

        // Without aborting on a failed connect, Connect may return before the handshake ends; give it the connect
        // timeout so the first requests do not see a store that is merely still connecting as down.
        SpinWait.SpinUntil(() => _connection.IsConnected, options.ConnectTimeout);
    }

    public string Name => "redis";

    private IDatabase Database => _database;

    public void Dispose()
    {
        // Posted settlements release leases and charge budgets: send them before the connection goes.
        try
        {
            _settlements.FlushAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult();
        }
        catch (TimeoutException)
        {
        }

        _connection.Dispose();
    }

    public Task<AdmissionResult> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken)
        => _admissions.AdmitAsync(request).WaitAsync(cancellationToken);

    public void Post(Settlement settlement)
    {
        if (settlement.Deployment is not null || !_settlements.Post(settlement))
        {
            // A deployment quota needs the script's answer; after shutdown began, settle directly.
            _ = SettleAloneAsync(settlement);
        }
    }

    public async Task<DateTimeOffset?> SettleAsync(Settlement settlement, CancellationToken cancellationToken)
    {
        if (settlement.Deployment is not { } deployment)
        {
            await SettleBatchAsync([settlement]).WaitAsync(cancellationToken);
            return null;
        }

        var nowMs = settlement.Now.ToUnixTimeMilliseconds();
        var admittedMinute = LimitWindows.MinuteOf(settlement.AdmittedAt.ToUnixTimeMilliseconds());
        var scopes = settlement.Scopes;
        var keys = new RedisKey[(scopes.Count * 4) + 4];
        for (var i = 0; i < scopes.Count; i++)
        {
            var scopeKeys = KeysOf(scopes[i].Id);
            keys[(i * 4) + 0] = scopeKeys.Tokens(admittedMinute);
            keys[(i * 4) + 1] = scopeKeys.Leases;
            keys[(i * 4) + 2] = scopeKeys.Budget(scopes[i].Limits.BudgetWindow, settlement.AdmittedAt);
            keys[(i * 4) + 3] = scopeKeys.Totals;
        }

        var deploymentKeys = KeysOf("deployment:" + deployment.DeploymentId);
        var minute = LimitWindows.MinuteOf(nowMs);
        keys[(scopes.Count * 4) + 0] = deploymentKeys.Requests;
        keys[(scopes.Count * 4) + 1] = deploymentKeys.Tokens(minute);
        keys[(scopes.Count * 4) + 2] = deploymentKeys.PreviousTokens(minute);
        keys[(scopes.Count * 4) + 3] = Cooldowns;
        RedisValue[] values =
        [
            nowMs,
            settlement.Id,
            settlement.ActualTokens - settlement.ReservedTokens,
            LimitWindows.ToNanos(settlement.ActualCostUsd) - LimitWindows.ToNanos(settlement.ReservedCostUsd),
            settlement.ActualTokens,
            LimitWindows.ToNanos(settlement.ActualCostUsd),
            scopes.Count,
            deployment.DeploymentId,
            deployment.RequestsPerMinute ?? 0,
            deployment.TokensPerMinute ?? 0,
            nowMs / 1000,
        ];
        var until = (long)(await SettleScript.EvaluateAsync(Database, keys, values).WaitAsync(cancellationToken));
        return until > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(until) : null;
    }

    public async Task RenewLeasesAsync(IReadOnlyList<(string Id, LimitScope Scope)> leases, DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (leases.Count == 0)
        {
            return;
        }

        var keys = new RedisKey[leases.Count];
        var values = new RedisValue[leases.Count + 1];
        values[0] = until.ToUnixTimeMilliseconds();
        for (var i = 0; i < leases.Count; i++)
        {
            keys[i] = KeysOf(leases[i].Scope.Id).Leases;
            values[i + 1] = leases[i].Id;
        }

        await RenewScript.EvaluateAsync(Database, keys, values).WaitAsync(cancellationToken);
    }

    public async Task<ScopeUsage> UsageAsync(LimitScope scope, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var minute = LimitWindows.MinuteOf(nowMs);
        var scopeKeys = KeysOf(scope.Id);
        var batch = Database.CreateBatch();
        var window = batch.HashGetAllAsync(scopeKeys.Requests);
        var current = batch.StringGetAsync(scopeKeys.Tokens(minute));
        var previous = batch.StringGetAsync(scopeKeys.PreviousTokens(minute));
        var leases = batch.SortedSetLengthAsync(scopeKeys.Leases, nowMs, double.PositiveInfinity, Exclude.Start);
        var spent = batch.StringGetAsync(scopeKeys.Budget(scope.Limits.BudgetWindow, now));
        var totals = batch.HashGetAllAsync(scopeKeys.Totals);
        batch.Execute();
        await Task.WhenAll(window, current, previous, leases, spent, totals).WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
        var (requests, oldest) = CountWindow(await window, nowMs);
        var totalsByName = (await totals).ToDictionary(e => (string)e.Name!, e => (long)e.Value, StringComparer.Ordinal);
        return new ScopeUsage(
            requests,
            LimitWindows.SlidingTokens((long?)await previous ?? 0, (long?)await current ?? 0, nowMs),
            await leases,
            LimitWindows.ToUsd((long?)await spent ?? 0),
            totalsByName.GetValueOrDefault("requests"),
            totalsByName.GetValueOrDefault("tokens"),
            LimitWindows.ToUsd(totalsByName.GetValueOrDefault("cost")))
        {
            RequestsReset = oldest is { } t ? TimeSpan.FromMilliseconds(t + LimitWindows.MinuteMs - nowMs) : TimeSpan.Zero,
        };
    }

    public Task PublishCooldownAsync(string deploymentId, DateTimeOffset until, CancellationToken cancellationToken)
        => CoolDownScript.EvaluateAsync(Database, [Cooldowns], [deploymentId, until.ToUnixTimeMilliseconds()]).WaitAsync(cancellationToken);

    public async Task<FleetSnapshot> PollAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var result = (RedisResult[])(await PollScript.EvaluateAsync(Database, [Cooldowns, KeysVersion], []).WaitAsync(cancellationToken))!;
        var cooldowns = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < result.Length; i += 2)
        {
            var until = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)result[i + 1]!, CultureInfo.InvariantCulture));
            if (until > now)
            {
                cooldowns[(string)result[i]!] = until;
            }
        }

        return new FleetSnapshot(cooldowns, (long)result[0]);
    }

    public async Task<bool> CreateKeyAsync(RuntimeKey key, CancellationToken cancellationToken)
    {
        var transaction = Database.CreateTransaction();
        transaction.AddCondition(Condition.HashNotExists(KeysHash, key.Name));
        _ = transaction.HashSetAsync(KeysHash, key.Name, JsonSerializer.Serialize(key, RuntimeKeyJson.Options));
        _ = transaction.StringIncrementAsync(KeysVersion);
        var created = await transaction.ExecuteAsync().WaitAsync(cancellationToken);
        return created;
    }

    public async Task<bool> DeleteKeyAsync(string name, CancellationToken cancellationToken)
    {
        var transaction = Database.CreateTransaction();
        var deleted = transaction.HashDeleteAsync(KeysHash, name);
        _ = transaction.StringIncrementAsync(KeysVersion);
        await transaction.ExecuteAsync().WaitAsync(cancellationToken);
        return await deleted;
    }

    public async Task<IReadOnlyList<RuntimeKey>> ListKeysAsync(CancellationToken cancellationToken)
    {
        var entries = await Database.HashGetAllAsync(KeysHash).WaitAsync(cancellationToken);
        var keys = new List<RuntimeKey>(entries.Length);
        foreach (var entry in entries)
        {
            if (JsonSerializer.Deserialize<RuntimeKey>((string)entry.Value!, RuntimeKeyJson.Options) is { } key)
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    private static bool Sets(string configuration, string option) => configuration.Contains(option + "=", StringComparison.OrdinalIgnoreCase);

    private async Task SettleAloneAsync(Settlement settlement)
    {
        try
        {
            await SettleAsync(settlement, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _settlementsFailed(ex, 1);
        }
    }

    /// <summary>Requests still in a window hash (buckets whose latest admission is under 60 s old) and the oldest such latest admission.</summary>
    private static (long Requests, long? Oldest) CountWindow(HashEntry[] entries, long nowMs)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var latest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var name = (string)entry.Name!;
            if (name.Length > 1 && name[0] is 'c' or 't')
            {
                (name[0] == 'c' ? counts : latest)[name[1..]] = (long)entry.Value;
            }
        }

        long requests = 0;
        long? oldest = null;
        foreach (var (bucket, count) in counts)
        {
            if (latest.TryGetValue(bucket, out var t) && t + LimitWindows.MinuteMs > nowMs)
            {
                requests += count;
                oldest = oldest is { } o && o < t ? o : t;
            }
        }

        return (requests, oldest);
    }

    private async Task<AdmissionResult[]> AdmitBatchAsync(IReadOnlyList<AdmissionRequest> requests)
    {
        var keyCount = 0;
        var valueCount = 1;
        foreach (var request in requests)
        {
            keyCount += request.Scopes.Count * 5;
            valueCount += 7 + (request.Scopes.Count * 5);
        }

        var keys = new RedisKey[keyCount];
        var values = new RedisValue[valueCount];
        values[0] = requests.Count;
        int k = 0, a = 1;
        foreach (var request in requests)
        {
            var nowMs = request.Now.ToUnixTimeMilliseconds();
            var minute = LimitWindows.MinuteOf(nowMs);
            var scopes = request.Scopes;
            values[a++] = nowMs;
            values[a++] = nowMs / 1000;
            values[a++] = request.Id;
            values[a++] = request.Tokens;
            values[a++] = LimitWindows.ToNanos(request.CostUsd);
            values[a++] = nowMs + (long)request.LeaseTtl.TotalMilliseconds;
            values[a++] = scopes.Count;
            for (var i = 0; i < scopes.Count; i++)
            {
                var scope = scopes[i];
                var limits = scope.Limits;
                var scopeKeys = KeysOf(scope.Id);
                keys[k++] = scopeKeys.Requests;
                keys[k++] = scopeKeys.Tokens(minute);
                keys[k++] = scopeKeys.PreviousTokens(minute);
                keys[k++] = scopeKeys.Leases;
                // Without a budget the script never reads the budget key; any key of the scope holds its place.
                keys[k++] = limits.BudgetUsd is null ? scopeKeys.Leases : scopeKeys.Budget(limits.BudgetWindow, request.Now);
                values[a++] = limits.RequestsPerMinute ?? 0;
                values[a++] = limits.TokensPerMinute ?? 0;
                values[a++] = limits.MaxParallelRequests ?? 0;
                values[a++] = limits.BudgetUsd is { } budget ? LimitWindows.ToNanos(budget) : 0;
                values[a++] = (long)LimitWindows.BudgetTtl(limits.BudgetWindow).TotalSeconds;
            }
        }

        var result = (RedisResult[])(await AdmitScript.EvaluateAsync(Database, keys, values).ConfigureAwait(false))!;
        var results = new AdmissionResult[requests.Count];
        var r = 0;
        for (var j = 0; j < requests.Count; j++)
        {
            if ((long)result[r] == 0)
            {
                results[j] = AdmissionResult.Reject((int)result[r + 1], (LimitKind)(int)result[r + 2], TimeSpan.FromMilliseconds((long)result[r + 3]));
                r += 4;
                continue;
            }

            var states = new ScopeState[requests[j].Scopes.Count];
            for (var i = 0; i < states.Length; i++)
            {
                var left = (long)result[r + 1 + (i * 4)];
                var tokensLeft = (long)result[r + 3 + (i * 4)];
                states[i] = new ScopeState(
                    left < 0 ? long.MaxValue : left,
                    TimeSpan.FromMilliseconds((long)result[r + 2 + (i * 4)]),
                    tokensLeft < 0 ? long.MaxValue : tokensLeft,
                    TimeSpan.FromMilliseconds((long)result[r + 4 + (i * 4)]));
            }

            results[j] = AdmissionResult.Accept(states);
            r += 1 + (states.Length * 4);
        }

        return results;
    }

    /// <summary>
    /// One script call for many settlements, summed per key first: a busy key's batch is one token correction per
    /// admission minute, one budget correction, one lease removal with every id and one totals update.
    /// </summary>
    private Task SettleBatchAsync(IReadOnlyList<Settlement> settlements)
    {
        // Keyed by the scope's key holder (one instance per scope), so nothing is hashed byte by byte.
        var tokens = new Dictionary<(RedisScopeKeys, long Minute), long>();
        var budgets = new Dictionary<(RedisScopeKeys, BudgetWindow, DateTime Day), (DateTimeOffset At, long Delta)>();
        var leases = new Dictionary<RedisScopeKeys, List<RedisValue>>();
        var totals = new Dictionary<RedisScopeKeys, (long Requests, long Tokens, long Cost)>();
        foreach (var settlement in settlements)
        {
            var admittedMinute = LimitWindows.MinuteOf(settlement.AdmittedAt.ToUnixTimeMilliseconds());
            var tokenDelta = settlement.ActualTokens - settlement.ReservedTokens;
            var actualCost = LimitWindows.ToNanos(settlement.ActualCostUsd);
            var costDelta = actualCost - LimitWindows.ToNanos(settlement.ReservedCostUsd);
            foreach (var scope in settlement.Scopes)
            {
                var scopeKeys = KeysOf(scope.Id);
                if (tokenDelta != 0)
                {
                    tokens[(scopeKeys, admittedMinute)] = tokens.GetValueOrDefault((scopeKeys, admittedMinute)) + tokenDelta;
                }

                if (costDelta != 0 && scope.Limits.BudgetUsd is not null)
                {
                    var period = (scopeKeys, scope.Limits.BudgetWindow, settlement.AdmittedAt.UtcDateTime.Date);
                    budgets[period] = (settlement.AdmittedAt, budgets.GetValueOrDefault(period).Delta + costDelta);
                }

                if (scope.Limits.MaxParallelRequests is not null)
                {
                    if (!leases.TryGetValue(scopeKeys, out var ids))
                    {
                        ids = [];
                        leases[scopeKeys] = ids;
                    }

                    ids.Add(settlement.Id);
                }

                var total = totals.GetValueOrDefault(scopeKeys);
                totals[scopeKeys] = (total.Requests + 1, total.Tokens + settlement.ActualTokens, total.Cost + actualCost);
            }
        }

        var counters = tokens.Count + budgets.Count;
        var keys = new RedisKey[counters + leases.Count + totals.Count];
        var values = new List<RedisValue>(3 + counters + (leases.Count * 2) + settlements.Count + (totals.Count * 3)) { counters, leases.Count, totals.Count };
        var k = 0;
        foreach (var ((scopeKeys, minute), delta) in tokens)
        {
            keys[k++] = scopeKeys.TokensAt(minute);
            values.Add(delta);
        }

        foreach (var ((scopeKeys, window, _), (at, delta)) in budgets)
        {
            keys[k++] = scopeKeys.Budget(window, at);
            values.Add(delta);
        }

        foreach (var (scopeKeys, ids) in leases)
        {
            keys[k++] = scopeKeys.Leases;
            values.Add(ids.Count);
            values.AddRange(ids);
        }

        foreach (var (scopeKeys, total) in totals)
        {
            keys[k++] = scopeKeys.Totals;
            values.Add(total.Requests);
            values.Add(total.Tokens);
            values.Add(total.Cost);
        }

        return SettleBatchScript.EvaluateAsync(Database, keys, [.. values]);
    }

    private RedisScopeKeys KeysOf(string scopeId)
    {
        if (_keys.TryGetValue(scopeId, out var keys))
        {
            return keys;
        }

        // Scopes are configured or admin-created keys, teams and deployments; the bound only guards against churn.
        if (_keys.Count >= MaxCachedScopes)
        {
            _keys.Clear();
        }

        return _keys.GetOrAdd(scopeId, id => new RedisScopeKeys(Tag, id));
    }
}
