namespace LlmRouter.Configuration;

/// <summary>A route: the model name a client sends, the policy that picks among member deployments, and its settings.</summary>
public sealed class RouteOptions
{
    /// <summary>Policy short name: RoundRobin, Weighted, LeastConnections, Adaptive, ConsistentHash, Contextual, ModelAware.</summary>
    public string Policy { get; set; } = "RoundRobin";

    /// <summary>Member deployment ids.</summary>
    public List<string> Deployments { get; set; } = [];

    /// <summary>Deployments tried, in order, after every member failed (may cross providers).</summary>
    public List<string> Fallbacks { get; set; } = [];

    /// <summary>Consistent hash: key sources in order (<c>header:NAME</c>, <c>user</c>, <c>prompt-prefix</c>).</summary>
    public List<string> HashKeySources { get; set; } = [];

    /// <summary>Consistent hash: bounded-load factor c (no deployment above c × average in-flight).</summary>
    public double LoadFactor { get; set; } = 1.25;

    /// <summary>Contextual: policy that breaks ties among specialists (LeastConnections or ModelAware).</summary>
    public string? TieBreaker { get; set; }

    /// <summary>Model-aware: default priority, a dimension name or weights like <c>accuracy=0.7,cost=0.3</c>.</summary>
    public string? DefaultPriority { get; set; }

    /// <summary>Model-aware: weight (0-1) of live measurements blended into the static profile.</summary>
    public double LiveWeight { get; set; } = 0.5;

    /// <summary>Retries, fallbacks and timeouts for this route.</summary>
    public ResilienceOptions Resilience { get; set; } = new();
}
