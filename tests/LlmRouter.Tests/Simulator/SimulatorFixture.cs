using LlmRouter.Simulator;

namespace LlmRouter.Tests.Simulator;

/// <summary>One simulated upstream per test class: deployment "errors" always fails, every other one is instant.</summary>
public sealed class SimulatorFixture : IAsyncLifetime
{
    public const string FailingDeployment = "errors";

    private SimulatedUpstreamServer? _server;

    public SimulatedUpstreamServer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await SimulatedUpstreamServer.StartAsync(
            deployment => deployment == FailingDeployment ? new SimulatedBehavior { ErrorRate = 1 } : null);
        Client = new HttpClient { BaseAddress = _server.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
