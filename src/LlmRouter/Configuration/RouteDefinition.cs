namespace LlmRouter.Configuration;

/// <summary>A route as the running gateway sees it: the members and fallbacks resolved to deployments.</summary>
internal sealed class RouteDefinition
{
    public RouteDefinition(string name, RouteOptions options, string policyName, IReadOnlyList<Deployment> members, IReadOnlyList<Deployment> fallbacks, bool isImplicit)
    {
        Name = name;
        Options = options;
        PolicyName = policyName;
        Members = members;
        Fallbacks = fallbacks;
        IsImplicit = isImplicit;
    }

    /// <summary>The model name clients send.</summary>
    public string Name { get; }

    public RouteOptions Options { get; }

    /// <summary>The YARP load-balancing policy name (see <see cref="Routing.PolicyNames"/>).</summary>
    public string PolicyName { get; }

    public IReadOnlyList<Deployment> Members { get; }

    public IReadOnlyList<Deployment> Fallbacks { get; }

    /// <summary>True for the route every deployment gets under its own id.</summary>
    public bool IsImplicit { get; }

    /// <summary>The YARP cluster and route id that serve this route.</summary>
    public string ClusterId => IsImplicit ? "deployment:" + Name : "route:" + Name;
}
