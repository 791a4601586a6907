using Microsoft.Extensions.Hosting;

namespace LlmRouter.Simulator;

/// <summary>
/// Replaces the console lifetime: the simulator is embedded in other processes (the gateway, tests) and must not
/// react to Ctrl+C or SIGTERM on its own, or it would stop while the host process is still draining requests.
/// </summary>
internal sealed class SimulatorHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
