namespace LlmRouter.Limits;

/// <summary>A scope's current usage for <c>GET /admin/keys</c>.</summary>
/// <param name="Requests">Requests in the last 60 s.</param>
/// <param name="TokensPerMinute">Tokens counted in the sliding minute (reservations included).</param>
/// <param name="InFlight">Live parallel leases.</param>
/// <param name="SpentUsd">Spend in the current budget window (in-flight reservations included).</param>
/// <param name="TotalRequests">Settled requests since the scope was first used.</param>
/// <param name="TotalTokens">Settled tokens (real usage) since the scope was first used.</param>
/// <param name="TotalCostUsd">Settled cost since the scope was first used.</param>
internal readonly record struct ScopeUsage(long Requests, long TokensPerMinute, long InFlight, double SpentUsd, long TotalRequests, long TotalTokens, double TotalCostUsd)
{
    /// <summary>When the oldest request of the last 60 s leaves the window (zero when there is none).</summary>
    public TimeSpan RequestsReset { get; init; }

    /// <summary>The scope's remaining request and token limits, as admission would report them.</summary>
    public ScopeState ToState(Configuration.TenantLimitsOptions limits, DateTimeOffset now)
        => new(
            limits.RequestsPerMinute is { } rpm ? Math.Max(0, rpm - Requests) : long.MaxValue,
            RequestsReset,
            limits.TokensPerMinute is { } tpm ? Math.Max(0, tpm - TokensPerMinute) : long.MaxValue,
            TimeSpan.FromMilliseconds(LimitWindows.MinuteMs - (now.ToUnixTimeMilliseconds() % LimitWindows.MinuteMs)));
}
