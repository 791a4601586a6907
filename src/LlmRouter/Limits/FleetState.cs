using LlmRouter.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LlmRouter.Limits;

/// <summary>
/// The store the gateway talks to: Redis when <c>LlmRouter:Redis:Configuration</c> is set, in process otherwise.
/// While Redis is unreachable, <c>Open</c> serves from per-replica in-process limits (logged once, gauge
/// <c>llmrouter_limits_degraded</c> = 1) and tries Redis again every second; <c>Closed</c> refuses with 503.
/// </summary>
internal sealed partial class FleetState : IDisposable
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly RedisFleetStore? _redis;
    private readonly InProcessFleetStore _local = new();
    private readonly RedisFailMode _failMode;
    private readonly TimeProvider _time;
    private readonly ILogger<FleetState> _logger;
    private long _retryAtTicks;
    private int _degraded;

    public FleetState(IOptions<LlmRouterOptions> options, TimeProvider time, ILogger<FleetState> logger)
    {
        var redis = options.Value.Redis;
        _failMode = redis.FailMode;
        _time = time;
        _logger = logger;
        if (!string.IsNullOrWhiteSpace(redis.Configuration))
        {
            _redis = new RedisFleetStore(redis.Configuration, SettlementsFailed);

            // Host and port only: a connection string may carry a password.
            RedisEndpoints = string.Join(",", ConfigurationOptions.Parse(redis.Configuration).EndPoints.Select(EndPointCollection.ToString));
        }

        LogStore(_logger, _redis is null ? "in-process (single replica; runtime keys are lost on restart)" : $"redis (fail mode {_failMode})");
    }

    /// <summary><c>redis</c> or <c>in-process</c>.</summary>
    public string StoreName => _redis?.Name ?? _local.Name;

    /// <summary>The configured Redis endpoints (<c>host:port</c>, never the rest of the connection string), or <c>none</c>.</summary>
    public string RedisEndpoints { get; } = "none";

    /// <summary>True while Redis is configured but unreachable and the gateway serves from per-replica state.</summary>
    public bool IsDegraded => Volatile.Read(ref _degraded) == 1;

    public void Dispose() => _redis?.Dispose();

    /// <summary>Admits or refuses; the returned store is the one the settlement must go to.</summary>
    public async Task<(AdmissionResult Result, IFleetStore Store)> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken)
        => await RunAsync((store, ct) => store.AdmitAsync(request, ct), cancellationToken);

    public Task<(ScopeUsage Usage, IFleetStore Store)> UsageAsync(LimitScope scope, CancellationToken cancellationToken)
        => RunAsync((store, ct) => store.UsageAsync(scope, _time.GetUtcNow(), ct), cancellationToken);

    public Task<(FleetSnapshot Snapshot, IFleetStore Store)> PollAsync(CancellationToken cancellationToken)
        => RunAsync((store, ct) => store.PollAsync(_time.GetUtcNow(), ct), cancellationToken);

    public Task<(bool Done, IFleetStore Store)> PublishCooldownAsync(string deploymentId, DateTimeOffset until, CancellationToken cancellationToken)
        => RunAsync(async (store, ct) => { await store.PublishCooldownAsync(deploymentId, until, ct); return true; }, cancellationToken);

    // Runtime keys never fall back to the per-replica store: a key created there would exist on one replica only
    // and vanish when Redis returns. While Redis is down these throw FleetStoreUnavailableException.
    public Task<bool> CreateKeyAsync(RuntimeKey key, CancellationToken cancellationToken)
        => RunWithoutFallbackAsync((store, ct) => store.CreateKeyAsync(key, ct), cancellationToken);

    public Task<bool> DeleteKeyAsync(string name, CancellationToken cancellationToken)
        => RunWithoutFallbackAsync((store, ct) => store.DeleteKeyAsync(name, ct), cancellationToken);

    public Task<IReadOnlyList<RuntimeKey>> ListKeysAsync(CancellationToken cancellationToken)
        => RunWithoutFallbackAsync((store, ct) => store.ListKeysAsync(ct), cancellationToken);

    /// <summary>True when <paramref name="store"/> is the per-replica stand-in for an unreachable Redis.</summary>
    public bool IsFallback(IFleetStore store) => _redis is not null && ReferenceEquals(store, _local);

    /// <summary>
    /// Settles with the store that admitted (null: nothing was reserved, only the deployment's quota counts);
    /// a Redis failure here loses only this correction.
    /// </summary>
    public async Task<DateTimeOffset?> SettleAsync(IFleetStore? store, Settlement settlement, CancellationToken cancellationToken)
    {
        try
        {
            return store is null
                ? (await RunAsync((s, ct) => s.SettleAsync(settlement, ct), cancellationToken)).Item1
                : await store.SettleAsync(settlement, cancellationToken);
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            Degrade(ex);
            return null;
        }
    }

    /// <summary>
    /// Settles a reservation whose response has been sent, with the store that admitted it, without waiting: Redis
    /// sends it in a batch with others (a failed batch is logged and, for an outage, degrades like any call).
    /// </summary>
    public void Post(IFleetStore store, Settlement settlement) => store.Post(settlement);

    public async Task RenewLeasesAsync(IFleetStore store, IReadOnlyList<(string Id, LimitScope Scope)> leases, DateTimeOffset until, CancellationToken cancellationToken)
    {
        try
        {
            await store.RenewLeasesAsync(leases, until, cancellationToken);
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            Degrade(ex);
        }
    }

    private async Task<(T, IFleetStore)> RunAsync<T>(Func<IFleetStore, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        if (_redis is null)
        {
            return (await call(_local, cancellationToken), _local);
        }

        if (!IsDegraded || _time.GetUtcNow().UtcTicks >= Volatile.Read(ref _retryAtTicks))
        {
            try
            {
                var result = await call(_redis, cancellationToken);
                if (Interlocked.Exchange(ref _degraded, 0) == 1)
                {
                    LogRecovered(_logger);
                }

                return (result, _redis);
            }
            catch (Exception ex) when (IsOutage(ex) && !cancellationToken.IsCancellationRequested)
            {
                Degrade(ex);
            }
        }

        if (_failMode == RedisFailMode.Closed)
        {
            throw new FleetStoreUnavailableException("Redis is unreachable and LlmRouter:Redis:FailMode is Closed.");
        }

        return (await call(_local, cancellationToken), _local);
    }

    private async Task<T> RunWithoutFallbackAsync<T>(Func<IFleetStore, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        if (_redis is null)
        {
            return await call(_local, cancellationToken);
        }

        try
        {
            return await call(_redis, cancellationToken);
        }
        catch (Exception ex) when (IsOutage(ex) && !cancellationToken.IsCancellationRequested)
        {
            Degrade(ex);
            throw new FleetStoreUnavailableException("Redis is unreachable; runtime keys cannot be read or changed.", ex);
        }
    }

    private void Degrade(Exception ex)
    {
        Volatile.Write(ref _retryAtTicks, (_time.GetUtcNow() + RetryInterval).UtcTicks);
        if (Interlocked.Exchange(ref _degraded, 1) == 0)
        {
            LogDegraded(_logger, _failMode, ex.GetType().Name, ex.Message);
        }
    }

    private void SettlementsFailed(Exception ex, int count)
    {
        if (IsOutage(ex))
        {
            Degrade(ex);
        }

        LogSettlementsLost(_logger, ex, count);
    }

    private static bool IsOutage(Exception ex) => ex is RedisException or TimeoutException or ObjectDisposedException;

    [LoggerMessage(Level = LogLevel.Information, Message = "Limits, budgets, runtime keys and shared cooldowns use the {Store} store")]
    private static partial void LogStore(ILogger logger, string store);

    [LoggerMessage(Level = LogLevel.Error, Message = "Redis is unreachable; fail mode {FailMode} ({Error}: {Detail}). Open serves per-replica limits until Redis is back")]
    private static partial void LogDegraded(ILogger logger, RedisFailMode failMode, string error, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sending {Count} settlements to Redis failed; their reservations stand until the windows pass and their leases expire")]
    private static partial void LogSettlementsLost(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is reachable again; limits are fleet-wide again")]
    private static partial void LogRecovered(ILogger logger);
}
