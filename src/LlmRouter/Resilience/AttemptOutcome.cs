using LlmRouter.Providers;

namespace LlmRouter.Resilience;

/// <summary>What one pass through load balancing and forwarding produced, as the retry strategy sees it.</summary>
/// <param name="Retry">Nothing reached the client and another attempt may succeed.</param>
/// <param name="Error">The failure to answer with if no attempt succeeds.</param>
/// <param name="NoCandidates">No deployment was eligible (all failed, cooling down or with open circuits).</param>
/// <param name="SoonestRetry">With <paramref name="NoCandidates"/>: the shortest remaining cooldown.</param>
internal readonly record struct AttemptOutcome(bool Retry, UpstreamError? Error = null, bool NoCandidates = false, TimeSpan? SoonestRetry = null)
{
    public static AttemptOutcome Done => default;
}
