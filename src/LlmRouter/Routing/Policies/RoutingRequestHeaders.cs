namespace LlmRouter.Routing.Policies;

/// <summary>Request headers a client can send to steer the policies.</summary>
internal static class RoutingRequestHeaders
{
    /// <summary>Consistent hash: explicit affinity key.</summary>
    public const string HashKey = "x-llmrouter-hash-key";

    /// <summary>Contextual: explicit task category, skips classification.</summary>
    public const string Category = "x-llmrouter-category";

    /// <summary>Model-aware: a dimension name (<c>accuracy</c>) or weights (<c>accuracy=0.7,cost=0.3</c>).</summary>
    public const string Priority = "x-llmrouter-priority";
}
