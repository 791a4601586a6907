namespace LlmRouter.Configuration;

/// <summary>Per-route retries, fallbacks and timeouts (<c>LlmRouter:Routes:&lt;name&gt;:Resilience</c>).</summary>
public sealed class ResilienceOptions
{
    /// <summary>Upstream attempts per request, the first included (members, then fallbacks).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Upper bound on the whole request, streams included, in seconds.</summary>
    public double TotalTimeoutSeconds { get; set; } = 300;

    /// <summary>How long to wait for response headers (the first token of a stream) per attempt, in seconds.</summary>
    public double TimeToFirstTokenTimeoutSeconds { get; set; } = 60;

    /// <summary>Longest silence between two chunks of a stream, in seconds.</summary>
    public double StreamIdleTimeoutSeconds { get; set; } = 60;

    /// <summary>Base delay of the exponential backoff (with jitter) between attempts, in milliseconds.</summary>
    public int BackoffMilliseconds { get; set; } = 50;

    /// <summary>
    /// A 429/503 whose Retry-After is at most this many seconds is waited out and retried on the same deployment;
    /// a longer one (or 0, the default) fails over at once to another deployment.
    /// </summary>
    public double RetrySameDeploymentWithinSeconds { get; set; }
}
