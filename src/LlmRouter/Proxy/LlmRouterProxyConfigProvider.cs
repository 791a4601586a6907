using LlmRouter.Configuration;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace LlmRouter.Proxy;

/// <summary>
/// Projects the LlmRouter catalog onto YARP: one cluster per route (members as destinations, the route's
/// policy as the cluster's load-balancing policy) and one per deployment. Reloads follow the catalog.
/// </summary>
internal sealed class LlmRouterProxyConfigProvider : IProxyConfigProvider
{
    private static readonly ForwarderRequestConfig RequestConfig = new()
    {
        // Streams may pause between tokens far longer than YARP's 100 s default idle timeout would allow for
        // reasoning models; LlmRouter's own idle timeout applies per route.
        ActivityTimeout = TimeSpan.FromMinutes(10),
        AllowResponseBuffering = false,
    };

    private readonly CatalogProvider _catalog;

    public LlmRouterProxyConfigProvider(CatalogProvider catalog)
    {
        _catalog = catalog;
    }

    public IProxyConfig GetConfig() => Build(_catalog.Current, _catalog.ChangeToken);

    internal static IProxyConfig Build(RouterCatalog catalog, IChangeToken changeToken)
    {
        var routes = new List<RouteConfig>();
        var clusters = new List<ClusterConfig>();
        string? firstCluster = null;
        foreach (var route in catalog.AllRoutes)
        {
            firstCluster ??= route.ClusterId;
            clusters.Add(new ClusterConfig
            {
                ClusterId = route.ClusterId,
                LoadBalancingPolicy = route.PolicyName,
                HttpRequest = RequestConfig,
                Destinations = route.Members.ToDictionary(d => d.Id, ToDestination, StringComparer.Ordinal),
                Metadata = new Dictionary<string, string> { ["Route"] = route.Name },
            });
            routes.Add(new RouteConfig
            {
                RouteId = ProxyIds.YarpRouteId(route.ClusterId),
                ClusterId = route.ClusterId,
                Order = 100,
                Match = new RouteMatch
                {
                    Path = ProxyIds.ChatPath,
                    Methods = ["POST"],
                    Headers = [new RouteHeader { Name = ProxyIds.InternalRouteHeader, Values = [route.ClusterId], Mode = HeaderMatchMode.ExactHeader }],
                },
            });
        }

        if (firstCluster is not null)
        {
            routes.Add(new RouteConfig
            {
                RouteId = ProxyIds.ChatRouteId,
                ClusterId = firstCluster,
                Order = 1000,
                Match = new RouteMatch { Path = ProxyIds.ChatPath, Methods = ["POST"] },
            });
            routes.Add(new RouteConfig
            {
                RouteId = ProxyIds.MessagesRouteId,
                ClusterId = firstCluster,
                Order = 1000,
                Match = new RouteMatch { Path = Protocols.ClientProtocols.MessagesPath, Methods = ["POST"] },
            });
        }

        return new Config(routes, clusters, changeToken);
    }

    private static DestinationConfig ToDestination(Deployment deployment)
    {
        // Metadata mirrors the catalog so the policies also work in a plain YARP cluster.
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Provider"] = deployment.Provider.ToString(),
            ["Model"] = deployment.UpstreamModel,
            ["Weight"] = deployment.Options.Weight.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Specializations"] = string.Join(',', deployment.Options.Specializations),
        };
        foreach (var (dimension, score) in deployment.Options.Profile)
        {
            metadata["Profile." + dimension] = score.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new DestinationConfig { Address = deployment.BaseAddress.ToString(), Metadata = metadata };
    }

    private sealed class Config : IProxyConfig
    {
        public Config(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters, IChangeToken changeToken)
        {
            Routes = routes;
            Clusters = clusters;
            ChangeToken = changeToken;
        }

        public IReadOnlyList<RouteConfig> Routes { get; }

        public IReadOnlyList<ClusterConfig> Clusters { get; }

        public IChangeToken ChangeToken { get; }
    }
}
