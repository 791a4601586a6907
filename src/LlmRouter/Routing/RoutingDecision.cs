namespace LlmRouter.Routing;

/// <summary>Why a policy picked what it picked: every candidate with its score or the reason it was skipped.</summary>
internal sealed class RoutingDecision
{
    public RoutingDecision(string policy)
    {
        Policy = policy;
    }

    public string Policy { get; }

    public string? Chosen { get; set; }

    public List<CandidateScore> Candidates { get; } = [];

    /// <summary>Free-form facts the policy used (hash key source, priority weights, category...).</summary>
    public Dictionary<string, string> Facts { get; } = new(StringComparer.Ordinal);
}
