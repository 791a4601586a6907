namespace LlmRouter.Limits;

/// <summary>
/// What a finished request really used, replacing its reservation. <c>AdmittedAt</c> names the token and budget
/// windows the reservation went to (they are the ones corrected).
/// </summary>
internal sealed record Settlement(string Id, IReadOnlyList<LimitScope> Scopes, DateTimeOffset AdmittedAt, DateTimeOffset Now,
    long ReservedTokens, long ActualTokens, double ReservedCostUsd, double ActualCostUsd, DeploymentQuota? Deployment);
