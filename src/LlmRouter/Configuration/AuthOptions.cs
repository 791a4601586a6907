namespace LlmRouter.Configuration;

/// <summary>Gateway keys clients present on <c>/v1/*</c> and the limits attached to them (<c>LlmRouter:Auth</c>).</summary>
public sealed class AuthOptions
{
    /// <summary>Require a key even when none is configured (runtime keys only).</summary>
    public bool Required { get; set; }

    /// <summary>Configured keys by name.</summary>
    public Dictionary<string, GatewayKeyOptions> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Team limits by team name, shared by every key of the team.</summary>
    public Dictionary<string, TenantLimitsOptions> Teams { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Completion tokens reserved at admission when the request sets no <c>max_tokens</c>.</summary>
    public int DefaultCompletionTokens { get; set; } = 1024;

    /// <summary>How long a <c>MaxParallelRequests</c> lease lives without renewal, so a replica that dies frees its slots.</summary>
    public double LeaseSeconds { get; set; } = 30;

    /// <summary>True when clients must present a key.</summary>
    public bool IsEnforced => Required || Keys.Count > 0;
}
