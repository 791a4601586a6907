namespace LlmRouter.Configuration;

/// <summary>Where the built-in simulated upstreams listen; started on first use.</summary>
internal interface ISimulatedUpstreams
{
    Uri BaseAddress { get; }
}
