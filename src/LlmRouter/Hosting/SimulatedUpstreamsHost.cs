using LlmRouter.Configuration;
using LlmRouter.Simulator;
using Microsoft.Extensions.Options;

namespace LlmRouter.Hosting;

/// <summary>
/// Runs the built-in simulated upstreams on a loopback port, started on first use so a gateway with only
/// real deployments never opens it. Behaviour follows each deployment's <c>Simulation</c> settings, live.
/// </summary>
internal sealed class SimulatedUpstreamsHost : ISimulatedUpstreams, IAsyncDisposable
{
    private readonly IOptionsMonitor<LlmRouterOptions> _options;
    private readonly Lazy<SimulatedUpstreamServer> _server;

    public SimulatedUpstreamsHost(IOptionsMonitor<LlmRouterOptions> options)
    {
        _options = options;
        _server = new Lazy<SimulatedUpstreamServer>(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public Uri BaseAddress => _server.Value.BaseAddress;

    /// <summary>Requests the simulated upstreams have served (0 before first use).</summary>
    internal long RequestCount => _server.IsValueCreated ? _server.Value.RequestCount : 0;

    public async ValueTask DisposeAsync()
    {
        if (_server.IsValueCreated)
        {
            await _server.Value.DisposeAsync();
        }
    }

    private SimulatedUpstreamServer Start()
        => SimulatedUpstreamServer.StartAsync(Behavior).GetAwaiter().GetResult();

    private SimulatedBehavior? Behavior(string deploymentId)
    {
        if (!_options.CurrentValue.Deployments.TryGetValue(deploymentId, out var deployment))
        {
            return null;
        }

        var simulation = deployment.Simulation;
        return new SimulatedBehavior
        {
            LatencyMs = simulation.LatencyMs,
            TimeToFirstTokenMs = simulation.TimeToFirstTokenMs,
            TokensPerSecond = simulation.TokensPerSecond,
            ErrorRate = simulation.ErrorRate,
        };
    }
}
