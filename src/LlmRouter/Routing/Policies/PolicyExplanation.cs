using LlmRouter.Routing.Stats;

namespace LlmRouter.Routing.Policies;

/// <summary>Helpers for the dry-run path, where allocation is fine.</summary>
internal static class PolicyExplanation
{
    public static string Describe(in DeploymentStatsSnapshot stats, int inFlight)
        => stats.HasSamples
            ? FormattableString.Invariant($"in-flight {inFlight}, latency {stats.LatencyEwmaMs:F0} ms, ttft {stats.TimeToFirstTokenEwmaMs:F0} ms, errors {stats.ErrorRate:P0}{(stats.IsCoolingDown ? ", cooling down" : string.Empty)}")
            : FormattableString.Invariant($"in-flight {inFlight}, no measurements yet{(stats.IsCoolingDown ? ", cooling down" : string.Empty)}");
}
