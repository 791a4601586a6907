namespace LlmRouter.Routing.Stats;

/// <summary>What one upstream attempt did, as recorded by the forwarding path.</summary>
/// <param name="Success">The attempt produced a complete response (a stream that ended properly).</param>
/// <param name="StatusCode">The upstream status (0 when no response arrived).</param>
/// <param name="Duration">Time from sending to the last byte.</param>
/// <param name="TimeToFirstToken">For streams: time to the first content byte.</param>
/// <param name="OutputTokens">Completion tokens, when usage was reported.</param>
/// <param name="RetryAfter">Cooldown the upstream asked for (429/503 Retry-After, Gemini retryDelay).</param>
/// <param name="ErrorType">A short error classification for the last-error field.</param>
internal readonly record struct UpstreamOutcome(
    bool Success,
    int StatusCode,
    TimeSpan Duration,
    TimeSpan? TimeToFirstToken = null,
    int OutputTokens = 0,
    TimeSpan? RetryAfter = null,
    string? ErrorType = null);
