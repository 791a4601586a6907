using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;

namespace LlmRouter.Limits;

/// <summary>
/// Fleet-wide state in Redis: one script call at admission, one at settlement, both atomic. Calls fail fast
/// (short timeouts, no command backlog while disconnected) so a Redis outage never hangs a request; the caller
/// (<see cref="FleetState"/>) decides what an outage means.
/// </summary>
internal sealed class RedisFleetStore : IFleetStore, IDisposable
{
    private const string Tag = "{llmrouter}";
    private static readonly RedisKey Cooldowns = $"{Tag}:cooldowns";
    private static readonly RedisKey KeysHash = $"{Tag}:keys";
    private static readonly RedisKey KeysVersion = $"{Tag}:keys:version";
    private static readonly RedisScript AdmitScript = new(RedisScripts.Admit);
    private static readonly RedisScript SettleScript = new(RedisScripts.Settle);
    private static readonly RedisScript CoolDownScript = new(RedisScripts.CoolDown);
    private static readonly RedisScript PollScript = new(RedisScripts.Poll);
    private static readonly RedisScript RenewScript = new(RedisScripts.Renew);

    private readonly ConnectionMultiplexer _connection;

    public RedisFleetStore(string configuration)
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

        // Without aborting on a failed connect, Connect may return before the handshake ends; give it the connect
        // timeout so the first requests do not see a store that is merely still connecting as down.
        SpinWait.SpinUntil(() => _connection.IsConnected, options.ConnectTimeout);
    }

    public string Name => "redis";

    private IDatabase Database => _connection.GetDatabase();

    public void Dispose() => _connection.Dispose();

    public async Task<AdmissionResult> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        var nowMs = request.Now.ToUnixTimeMilliseconds();
        var minute = LimitWindows.MinuteOf(nowMs);
        var scopes = request.Scopes;
        var keys = new RedisKey[scopes.Count * 5];
        var values = new RedisValue[6 + (scopes.Count * 5)];
        values[0] = nowMs;
        values[1] = request.Id;
        values[2] = request.Tokens;
        values[3] = LimitWindows.ToNanos(request.CostUsd);
        values[4] = nowMs + (long)request.LeaseTtl.TotalMilliseconds;
        values[5] = scopes.Count;
        for (var i = 0; i < scopes.Count; i++)
        {
            var scope = scopes[i];
            var limits = scope.Limits;
            keys[(i * 5) + 0] = RequestsKey(scope.Id);
            keys[(i * 5) + 1] = TokensKey(scope.Id, minute);
            keys[(i * 5) + 2] = TokensKey(scope.Id, minute - 1);
            keys[(i * 5) + 3] = LeasesKey(scope.Id);
            keys[(i * 5) + 4] = BudgetKey(scope, request.Now);
            values[6 + (i * 5) + 0] = limits.RequestsPerMinute ?? 0;
            values[6 + (i * 5) + 1] = limits.TokensPerMinute ?? 0;
            values[6 + (i * 5) + 2] = limits.MaxParallelRequests ?? 0;
            values[6 + (i * 5) + 3] = limits.BudgetUsd is { } budget ? LimitWindows.ToNanos(budget) : 0;
            values[6 + (i * 5) + 4] = (long)LimitWindows.BudgetTtl(limits.BudgetWindow).TotalSeconds;
        }

        var result = (RedisResult[])(await AdmitScript.EvaluateAsync(Database, keys, values).WaitAsync(cancellationToken))!;
        if ((long)result[0] == 0)
        {
            return AdmissionResult.Reject((int)result[1], (LimitKind)(int)result[2], TimeSpan.FromMilliseconds((long)result[3]));
        }

        var states = new ScopeState[scopes.Count];
        for (var i = 0; i < scopes.Count; i++)
        {
            var left = (long)result[1 + (i * 4)];
            var tokensLeft = (long)result[3 + (i * 4)];
            states[i] = new ScopeState(
                left < 0 ? long.MaxValue : left,
                TimeSpan.FromMilliseconds((long)result[2 + (i * 4)]),
                tokensLeft < 0 ? long.MaxValue : tokensLeft,
                TimeSpan.FromMilliseconds((long)result[4 + (i * 4)]));
        }

        return AdmissionResult.Accept(states);
    }

    public async Task<DateTimeOffset?> SettleAsync(Settlement settlement, CancellationToken cancellationToken)
    {
        var nowMs = settlement.Now.ToUnixTimeMilliseconds();
        var admittedMinute = LimitWindows.MinuteOf(settlement.AdmittedAt.ToUnixTimeMilliseconds());
        var scopes = settlement.Scopes;
        var keys = new RedisKey[(scopes.Count * 4) + 4];
        for (var i = 0; i < scopes.Count; i++)
        {
            keys[(i * 4) + 0] = TokensKey(scopes[i].Id, admittedMinute);
            keys[(i * 4) + 1] = LeasesKey(scopes[i].Id);
            keys[(i * 4) + 2] = BudgetKey(scopes[i], settlement.AdmittedAt);
            keys[(i * 4) + 3] = TotalsKey(scopes[i].Id);
        }

        var deployment = settlement.Deployment;
        var deploymentScope = "deployment:" + (deployment?.DeploymentId ?? string.Empty);
        var minute = LimitWindows.MinuteOf(nowMs);
        keys[(scopes.Count * 4) + 0] = RequestsKey(deploymentScope);
        keys[(scopes.Count * 4) + 1] = TokensKey(deploymentScope, minute);
        keys[(scopes.Count * 4) + 2] = TokensKey(deploymentScope, minute - 1);
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
            deployment?.DeploymentId ?? string.Empty,
            deployment?.RequestsPerMinute ?? 0,
            deployment?.TokensPerMinute ?? 0,
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
            keys[i] = LeasesKey(leases[i].Scope.Id);
            values[i + 1] = leases[i].Id;
        }

        await RenewScript.EvaluateAsync(Database, keys, values).WaitAsync(cancellationToken);
    }

    public async Task<ScopeUsage> UsageAsync(LimitScope scope, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var minute = LimitWindows.MinuteOf(nowMs);
        var batch = Database.CreateBatch();
        var requests = batch.SortedSetLengthAsync(RequestsKey(scope.Id), nowMs - LimitWindows.MinuteMs, double.PositiveInfinity, Exclude.Start);
        var current = batch.StringGetAsync(TokensKey(scope.Id, minute));
        var previous = batch.StringGetAsync(TokensKey(scope.Id, minute - 1));
        var leases = batch.SortedSetLengthAsync(LeasesKey(scope.Id), nowMs, double.PositiveInfinity, Exclude.Start);
        var spent = batch.StringGetAsync(BudgetKey(scope, now));
        var totals = batch.HashGetAllAsync(TotalsKey(scope.Id));
        var oldest = batch.SortedSetRangeByScoreWithScoresAsync(RequestsKey(scope.Id), nowMs - LimitWindows.MinuteMs, double.PositiveInfinity, Exclude.Start, take: 1);
        batch.Execute();
        await Task.WhenAll(requests, current, previous, leases, spent, totals, oldest).WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
        var first = await oldest;
        var totalsByName = (await totals).ToDictionary(e => (string)e.Name!, e => (long)e.Value, StringComparer.Ordinal);
        return new ScopeUsage(
            await requests,
            LimitWindows.SlidingTokens((long?)await previous ?? 0, (long?)await current ?? 0, nowMs),
            await leases,
            LimitWindows.ToUsd((long?)await spent ?? 0),
            totalsByName.GetValueOrDefault("requests"),
            totalsByName.GetValueOrDefault("tokens"),
            LimitWindows.ToUsd(totalsByName.GetValueOrDefault("cost")))
        {
            RequestsReset = first.Length > 0 ? TimeSpan.FromMilliseconds(first[0].Score + LimitWindows.MinuteMs - nowMs) : TimeSpan.Zero,
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

    private static RedisKey RequestsKey(string scope) => $"{Tag}:rpm:{scope}";

    private static RedisKey TokensKey(string scope, long minute) => $"{Tag}:tpm:{scope}:{minute}";

    private static RedisKey LeasesKey(string scope) => $"{Tag}:leases:{scope}";

    private static RedisKey TotalsKey(string scope) => $"{Tag}:totals:{scope}";

    private static RedisKey BudgetKey(LimitScope scope, DateTimeOffset at) => $"{Tag}:budget:{scope.Id}:{LimitWindows.BudgetPeriod(scope.Limits.BudgetWindow, at)}";
}
