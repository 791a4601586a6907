namespace LlmRouter.Configuration;

/// <summary>
/// Bounds on what clients and upstreams can make the gateway hold or wait for (<c>LlmRouter:Limits</c>).
/// Every value is bounded so no client and no upstream can grow the gateway's memory or stall it without end.
/// </summary>
public sealed class LimitsOptions
{
    /// <summary>Request-body bytes held in memory at once across all requests; beyond it new requests get 503 with Retry-After.</summary>
    public long MaxBufferedRequestBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Characters of the prompt the classifier and the decide endpoint look at.</summary>
    public int MaxClassifiedPromptChars { get; set; } = 16 * 1024;

    /// <summary>Largest non-streaming upstream response body; a larger one is a 502 charged to the deployment.</summary>
    public int MaxUpstreamResponseBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Largest single upstream SSE event; a larger one is a 502 charged to the deployment.</summary>
    public int MaxUpstreamEventBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Longest Retry-After / rate-limit reset an upstream can put a deployment into cooldown for, in seconds.</summary>
    public double MaxRetryAfterSeconds { get; set; } = 600;

    /// <summary>How long a deployment whose provider key was rejected (401/403) stays out of rotation, in seconds.</summary>
    public double AuthenticationFailureCooldownSeconds { get; set; } = 60;
}
