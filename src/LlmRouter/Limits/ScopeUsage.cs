namespace LlmRouter.Limits;

/// <summary>A scope's current usage for <c>GET /admin/keys</c>.</summary>
/// <param name="Requests">Requests in the last 60 s.</param>
/// <param name="TokensPerMinute">Tokens counted in the sliding minute (reservations included).</param>
/// <param name="InFlight">Live parallel leases.</param>
/// <param name="SpentUsd">Spend in the current budget window (in-flight reservations included).</param>
/// <param name="TotalRequests">Settled requests since the scope was first used.</param>
/// <param name="TotalTokens">Settled tokens (real usage) since the scope was first used.</param>
/// <param name="TotalCostUsd">Settled cost since the scope was first used.</param>
internal readonly record struct ScopeUsage(long Requests, long TokensPerMinute, long InFlight, double SpentUsd, long TotalRequests, long TotalTokens, double TotalCostUsd);
