using LlmRouter.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LlmRouter.Resilience;

/// <summary>
/// On shutdown Kestrel stops accepting and waits for in-flight requests; streams may run on for the configured
/// drain time, after which <see cref="Draining"/> fires and each ends with an error event instead of being cut.
/// </summary>
internal sealed class GracefulShutdown : IDisposable
{
    private readonly CancellationTokenSource _drained = new();
    private readonly CancellationTokenRegistration _registration;

    public GracefulShutdown(IHostApplicationLifetime lifetime, IOptions<LlmRouterOptions> options)
    {
        var drain = TimeSpan.FromSeconds(options.Value.ShutdownDrainSeconds);
        _registration = lifetime.ApplicationStopping.Register(() => _drained.CancelAfter(drain));
    }

    public CancellationToken Draining => _drained.Token;

    public void Dispose()
    {
        _registration.Dispose();
        _drained.Dispose();
    }
}
