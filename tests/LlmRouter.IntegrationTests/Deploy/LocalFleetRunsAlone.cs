namespace LlmRouter.IntegrationTests.Deploy;

/// <summary>The local fleet publishes and starts five processes: it runs alone, after the parallel tests, so it is not starved of CPU.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LocalFleetRunsAlone
{
    public const string Name = "local fleet";
}
