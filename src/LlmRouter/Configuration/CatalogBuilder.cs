using System.Collections.Frozen;
using LlmRouter.Routing;
using Microsoft.Extensions.Options;

namespace LlmRouter.Configuration;

/// <summary>Validates options and resolves them into a <see cref="RouterCatalog"/>.</summary>
internal sealed class CatalogBuilder
{
    private readonly ISimulatedUpstreams _simulator;
    private readonly LlmRouterOptionsValidator _validator = new();
    private long _version;

    public CatalogBuilder(ISimulatedUpstreams simulator)
    {
        _simulator = simulator;
    }

    /// <summary>Builds a snapshot or throws <see cref="OptionsValidationException"/> listing every problem.</summary>
    public RouterCatalog Build(LlmRouterOptions options)
    {
        var result = _validator.Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(LlmRouterOptions.SectionName, typeof(LlmRouterOptions), result.Failures);
        }

        var deployments = new Dictionary<string, Deployment>(StringComparer.Ordinal);
        foreach (var (id, deploymentOptions) in options.Deployments)
        {
            deployments[id] = new Deployment(id, deploymentOptions, ResolveAddress(id, deploymentOptions));
        }

        var deploymentRoutes = new Dictionary<string, RouteDefinition>(StringComparer.Ordinal);
        foreach (var deployment in deployments.Values)
        {
            var implicitOptions = new RouteOptions { Policy = "RoundRobin", Deployments = [deployment.Id] };
            deploymentRoutes[deployment.Id] = new RouteDefinition(deployment.Id, implicitOptions, PolicyNames.RoundRobin, [deployment], [], isImplicit: true);
        }

        var routes = new Dictionary<string, RouteDefinition>(deploymentRoutes, StringComparer.Ordinal);

        // Configured routes are added last so a route wins over a deployment of the same name.
        foreach (var (name, routeOptions) in options.Routes)
        {
            PolicyNames.TryResolve(routeOptions.Policy, out var policyName);
            var members = routeOptions.Deployments.Select(id => deployments[id]).ToArray();
            var fallbacks = routeOptions.Fallbacks.Select(id => deployments[id]).ToArray();
            routes[name] = new RouteDefinition(name, routeOptions, policyName!, members, fallbacks, isImplicit: false);
        }

        return new RouterCatalog(options, deployments.ToFrozenDictionary(StringComparer.Ordinal), routes.ToFrozenDictionary(StringComparer.Ordinal),
            deploymentRoutes.ToFrozenDictionary(StringComparer.Ordinal), Interlocked.Increment(ref _version));
    }

    private Uri ResolveAddress(string id, DeploymentOptions options)
    {
        if (!string.Equals(options.BaseUrl, DeploymentOptions.Simulated, StringComparison.OrdinalIgnoreCase))
        {
            return new Uri(options.BaseUrl.TrimEnd('/'), UriKind.Absolute);
        }

        return new Uri(_simulator.BaseAddress, "sim/" + Uri.EscapeDataString(id));
    }
}
