namespace LlmRouter.Routing;

/// <summary>
/// Names under which LlmRouter's load-balancing policies register with YARP. They are prefixed so they
/// never collide with YARP's built-ins (YARP rejects duplicate policy names); a plain YARP cluster can
/// select one with <c>"LoadBalancingPolicy": "LlmRouter.Weighted"</c>.
/// </summary>
public static class PolicyNames
{
    /// <summary>Strict rotation.</summary>
    public const string RoundRobin = "LlmRouter.RoundRobin";

    /// <summary>Smooth weighted round-robin.</summary>
    public const string Weighted = "LlmRouter.Weighted";

    /// <summary>Fewest in-flight requests.</summary>
    public const string LeastConnections = "LlmRouter.LeastConnections";

    /// <summary>Power of two choices over live latency, TTFT, errors and load.</summary>
    public const string Adaptive = "LlmRouter.Adaptive";

    /// <summary>Hash ring with bounded loads.</summary>
    public const string ConsistentHash = "LlmRouter.ConsistentHash";

    /// <summary>Classify the task and send it to a specialist.</summary>
    public const string Contextual = "LlmRouter.Contextual";

    /// <summary>Capability profiles weighed by the request's priority.</summary>
    public const string ModelAware = "LlmRouter.ModelAware";

    private static readonly Dictionary<string, string> ByShortName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["RoundRobin"] = RoundRobin,
        ["Weighted"] = Weighted,
        ["LeastConnections"] = LeastConnections,
        ["Adaptive"] = Adaptive,
        ["ConsistentHash"] = ConsistentHash,
        ["Contextual"] = Contextual,
        ["ModelAware"] = ModelAware,
    };

    /// <summary>The short names accepted in a route's <c>Policy</c> setting.</summary>
    public static IEnumerable<string> ShortNames => ByShortName.Keys;

    /// <summary>Maps a short name (<c>Weighted</c>) or a full name (<c>LlmRouter.Weighted</c>) to the full name.</summary>
    public static bool TryResolve(string? name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? policyName)
    {
        policyName = null;
        if (string.IsNullOrWhiteSpace(name))
        {
            return false;
        }

        if (ByShortName.TryGetValue(name, out policyName))
        {
            return true;
        }

        foreach (var full in ByShortName.Values)
        {
            if (string.Equals(full, name, StringComparison.OrdinalIgnoreCase))
            {
                policyName = full;
                return true;
            }
        }

        return false;
    }
}
