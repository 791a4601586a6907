namespace LlmRouter.Limits;

/// <summary>
/// What admission asks the store to check and reserve, atomically for every scope: <c>Id</c> is unique per
/// request (its entry in sliding windows and its parallel lease), <c>Tokens</c> the estimated input + output
/// tokens and <c>CostUsd</c> the estimated cost reserved against budgets.
/// </summary>
internal sealed record AdmissionRequest(string Id, IReadOnlyList<LimitScope> Scopes, long Tokens, double CostUsd, DateTimeOffset Now, TimeSpan LeaseTtl);
