using LlmRouter.Auth;
using LlmRouter.Configuration;
using LlmRouter.Routing.Stats;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LlmRouter.Limits;

/// <summary>
/// Keeps this replica in step with the fleet: every <see cref="PollInterval"/> it reads the shared deployment
/// cooldowns (Retry-After seen by any replica, deployments at quota) and, when the runtime-key generation
/// changed, the runtime keys (so a revocation is refused everywhere within about a poll interval). It
/// announces this replica's own Retry-After cooldowns and renews its parallel leases.
/// </summary>
internal sealed partial class FleetSync : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly FleetState _fleet;
    private readonly KeyDirectory _keys;
    private readonly LiveStatsStore _stats;
    private readonly LeaseRegistry _leases;
    private readonly CatalogProvider _catalog;
    private readonly TimeProvider _time;
    private readonly ILogger<FleetSync> _logger;
    private long _keysVersion = -1;
    private DateTimeOffset _nextRenewal;

    public FleetSync(FleetState fleet, KeyDirectory keys, LiveStatsStore stats, LeaseRegistry leases, CatalogProvider catalog, TimeProvider time, ILogger<FleetSync> logger)
    {
        _fleet = fleet;
        _keys = keys;
        _stats = stats;
        _leases = leases;
        _catalog = catalog;
        _time = time;
        _logger = logger;
        stats.CooldownStarted = Announce;
    }

    /// <summary>One poll: shared cooldowns in, runtime keys when changed, leases renewed when due.</summary>
    public async Task SyncOnceAsync(CancellationToken cancellationToken)
    {
        var (snapshot, store) = await _fleet.PollAsync(cancellationToken);
        foreach (var (deploymentId, until) in snapshot.Cooldowns)
        {
            _stats.Get(deploymentId).CoolDown(until);
        }

        // While Redis is down the last keys read from it stay in force (revocations wait for Redis to return).
        if (!_fleet.IsFallback(store) && snapshot.KeysVersion != _keysVersion)
        {
            _keys.SetRuntimeKeys(await _fleet.ListKeysAsync(cancellationToken));
            _keysVersion = snapshot.KeysVersion;
        }

        var now = _time.GetUtcNow();
        if (now >= _nextRenewal)
        {
            var leaseTtl = TimeSpan.FromSeconds(_catalog.Current.Options.Auth.LeaseSeconds);
            _nextRenewal = now + (leaseTtl / 3);
            foreach (var group in _leases.ByStore())
            {
                await _fleet.RenewLeasesAsync(group.Key, [.. group], now + leaseTtl, cancellationToken);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval);
        do
        {
            try
            {
                await SyncOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogSyncFailed(_logger, ex.GetType().Name, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private void Announce(string deploymentId, DateTimeOffset until)
        => _ = Task.Run(async () =>
        {
            try
            {
                await _fleet.PublishCooldownAsync(deploymentId, until, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogSyncFailed(_logger, ex.GetType().Name, ex.Message);
            }
        });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fleet sync failed ({Error}: {Detail}); retrying")]
    private static partial void LogSyncFailed(ILogger logger, string error, string detail);
}
