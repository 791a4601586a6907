using LlmRouter.Limits;

namespace LlmRouter.IntegrationTests.Limits;

/// <summary>The in-process store (single replica, and the fallback while Redis is down) against the shared contract.</summary>
public sealed class InProcessFleetStoreTests : FleetStoreContract
{
    internal override IFleetStore Store { get; } = new InProcessFleetStore();
}
