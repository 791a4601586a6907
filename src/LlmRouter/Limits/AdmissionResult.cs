namespace LlmRouter.Limits;

/// <summary>The store's answer: admitted with the scopes' remaining limits, or refused by one scope's limit.</summary>
internal sealed record AdmissionResult(bool Admitted, int RejectedScope, LimitKind? Reason, TimeSpan RetryAfter, IReadOnlyList<ScopeState> States)
{
    public static AdmissionResult Accept(IReadOnlyList<ScopeState> states) => new(true, -1, null, TimeSpan.Zero, states);

    public static AdmissionResult Reject(int scope, LimitKind reason, TimeSpan retryAfter) => new(false, scope, reason, retryAfter, []);
}
