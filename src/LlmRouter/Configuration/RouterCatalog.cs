using System.Collections.Frozen;

namespace LlmRouter.Configuration;

/// <summary>
/// An immutable snapshot of deployments and routes built from <see cref="LlmRouterOptions"/>.
/// A configuration reload produces a new snapshot; requests keep the one they started with.
/// </summary>
internal sealed class RouterCatalog
{
    private readonly FrozenDictionary<string, RouteDefinition> _routesByModel;
    private readonly FrozenDictionary<string, RouteDefinition> _deploymentRoutes;

    public RouterCatalog(LlmRouterOptions options, FrozenDictionary<string, Deployment> deployments, FrozenDictionary<string, RouteDefinition> routesByModel,
        FrozenDictionary<string, RouteDefinition> deploymentRoutes, long version)
    {
        Options = options;
        Deployments = deployments;
        _routesByModel = routesByModel;
        _deploymentRoutes = deploymentRoutes;
        Version = version;
    }

    public LlmRouterOptions Options { get; }

    public FrozenDictionary<string, Deployment> Deployments { get; }

    /// <summary>Every model name clients may send: configured routes, and the implicit route of each deployment not shadowed by a route of the same name.</summary>
    public IEnumerable<RouteDefinition> Routes => _routesByModel.Values;

    /// <summary>Every route YARP needs a cluster for: the addressable ones plus each deployment's own, shadowed or not (fallbacks use them).</summary>
    public IEnumerable<RouteDefinition> AllRoutes => _routesByModel.Values.Union(_deploymentRoutes.Values);

    /// <summary>When this snapshot was built (reported as <c>created</c> by <c>/v1/models</c>).</summary>
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>Increments on every reload.</summary>
    public long Version { get; }

    /// <summary>Finds the route for a model name; route names win over deployment ids.</summary>
    public bool TryGetRoute(string model, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RouteDefinition? route)
        => _routesByModel.TryGetValue(model, out route);

    /// <summary>The single-deployment route of a deployment, even when a configured route shadows its name.</summary>
    public bool TryGetDeploymentRoute(string deploymentId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RouteDefinition? route)
        => _deploymentRoutes.TryGetValue(deploymentId, out route);
}
