using System.Collections.Frozen;

namespace LlmRouter.Configuration;

/// <summary>
/// An immutable snapshot of deployments and routes built from <see cref="LlmRouterOptions"/>.
/// A configuration reload produces a new snapshot; requests keep the one they started with.
/// </summary>
internal sealed class RouterCatalog
{
    private readonly FrozenDictionary<string, RouteDefinition> _routesByModel;

    public RouterCatalog(LlmRouterOptions options, FrozenDictionary<string, Deployment> deployments, FrozenDictionary<string, RouteDefinition> routesByModel, long version)
    {
        Options = options;
        Deployments = deployments;
        _routesByModel = routesByModel;
        Version = version;
    }

    public LlmRouterOptions Options { get; }

    public FrozenDictionary<string, Deployment> Deployments { get; }

    /// <summary>Every addressable route: configured routes and the implicit one per deployment.</summary>
    public IEnumerable<RouteDefinition> Routes => _routesByModel.Values;

    /// <summary>When this snapshot was built (reported as <c>created</c> by <c>/v1/models</c>).</summary>
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>Increments on every reload.</summary>
    public long Version { get; }

    /// <summary>Finds the route for a model name; route names win over deployment ids.</summary>
    public bool TryGetRoute(string model, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RouteDefinition? route)
        => _routesByModel.TryGetValue(model, out route);
}
