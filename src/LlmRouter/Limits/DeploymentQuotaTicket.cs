namespace LlmRouter.Limits;

/// <summary>
/// One attempt's place in a deployment's provider quota: admitted (holding a reserved request and token estimate,
/// settled when the attempt ends) or refused until <see cref="RetryAfter"/> has passed.
/// </summary>
internal sealed record DeploymentQuotaTicket(bool Admitted, TimeSpan RetryAfter, string Id, LimitScope Scope, long ReservedTokens, DateTimeOffset AdmittedAt,
    IFleetStore? Store)
{
    public static DeploymentQuotaTicket Refused(LimitScope scope, TimeSpan retryAfter) => new(false, retryAfter, string.Empty, scope, 0, default, null);
}
