using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace LlmRouter.Configuration;

/// <summary>
/// Holds the current <see cref="RouterCatalog"/>. The first build fails the start with a readable message;
/// a reload with mistakes is logged and ignored, so a typo in appsettings.json never takes a running gateway down.
/// </summary>
internal sealed partial class CatalogProvider : IDisposable
{
    private readonly CatalogBuilder _builder;
    private readonly ILogger<CatalogProvider> _logger;
    private readonly IDisposable? _subscription;
    private readonly Lock _reloadLock = new();
    private volatile RouterCatalog _current;
    private CancellationTokenSource _changed = new();

    public CatalogProvider(IOptionsMonitor<LlmRouterOptions> options, CatalogBuilder builder, ILogger<CatalogProvider> logger)
    {
        _builder = builder;
        _logger = logger;
        _current = builder.Build(options.CurrentValue);
        _subscription = options.OnChange(Reload);
    }

    public RouterCatalog Current => _current;

    /// <summary>Fires after a reload produced a new catalog.</summary>
    public IChangeToken ChangeToken => new CancellationChangeToken(_changed.Token);

    public void Dispose()
    {
        _subscription?.Dispose();
        _changed.Dispose();
    }

    private void Reload(LlmRouterOptions options)
    {
        // Two change notifications may arrive together; building and publishing under one lock keeps the newest
        // catalog the published one, so the catalog and YARP's configuration agree.
        lock (_reloadLock)
        {
            Publish(options);
        }
    }

    private void Publish(LlmRouterOptions options)
    {
        RouterCatalog next;
        try
        {
            next = _builder.Build(options);
        }
        catch (OptionsValidationException ex)
        {
            LogReloadRejected(_logger, ex.Message);
            return;
        }

        _current = next;
        LogReloaded(_logger, next.Version, next.Deployments.Count, next.Options.Routes.Count);
        var previous = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
        previous.Cancel();
        previous.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration reload rejected; keeping the previous catalog: {Problems}")]
    private static partial void LogReloadRejected(ILogger logger, string problems);

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalog v{Version} loaded: {Deployments} deployments, {Routes} routes")]
    private static partial void LogReloaded(ILogger logger, long version, int deployments, int routes);
}
