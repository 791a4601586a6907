namespace LlmRouter.Routing;

/// <summary>One candidate deployment in a <see cref="RoutingDecision"/>.</summary>
/// <param name="Deployment">The deployment id.</param>
/// <param name="Score">The policy's score (higher is better), when it scores.</param>
/// <param name="Reason">Why it was or was not chosen.</param>
internal sealed record CandidateScore(string Deployment, double? Score, string? Reason);
