using System.Collections.Frozen;
using System.Text;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Routing;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Tests.Routing;

/// <summary>Builds YARP destination/cluster state, catalogs and routing features for policy tests.</summary>
internal static class RoutingTestKit
{
    public const string SimpleBody = """{"model":"route","messages":[{"role":"user","content":"Hello there"}]}""";

    public static DestinationState Destination(string id, IReadOnlyDictionary<string, string>? metadata = null)
        => new(id, new DestinationModel(new DestinationConfig { Address = "http://" + id + ".test/", Metadata = metadata }));

    public static DestinationState[] Destinations(params string[] ids) => [.. ids.Select(id => Destination(id))];

    public static ClusterState Cluster(string id = "cluster") => new(id);

    public static DeploymentOptions Options(int weight = 1, string? profile = null, string? specializations = null, double price = 0)
    {
        var options = new DeploymentOptions { Weight = weight, Pricing = new PricingOptions { InputPerMillion = price, OutputPerMillion = price } };
        if (profile is not null)
        {
            foreach (var pair in profile.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = pair.Split('=');
                options.Profile[parts[0].Trim()] = double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        if (specializations is not null)
        {
            options.Specializations.AddRange(specializations.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        return options;
    }

    /// <summary>A catalog with the given deployments and one route "route" over all of them.</summary>
    public static RouterCatalog Catalog(IReadOnlyDictionary<string, DeploymentOptions> deployments, RouteOptions? route = null, string policy = "LlmRouter.RoundRobin", long version = 1)
    {
        var byId = deployments.ToDictionary(d => d.Key, d => new Deployment(d.Key, d.Value, new Uri("http://" + d.Key + ".test/")), StringComparer.Ordinal);
        route ??= new RouteOptions();
        if (route.Deployments.Count == 0)
        {
            route.Deployments.AddRange(deployments.Keys);
        }

        var options = new LlmRouterOptions();
        foreach (var (id, deployment) in deployments)
        {
            options.Deployments[id] = deployment;
        }

        options.Routes["route"] = route;
        var definition = new RouteDefinition("route", route, policy, [.. route.Deployments.Select(id => byId[id])], [], isImplicit: false);
        return new RouterCatalog(
            options,
            byId.ToFrozenDictionary(StringComparer.Ordinal),
            new Dictionary<string, RouteDefinition>(StringComparer.Ordinal) { ["route"] = definition }.ToFrozenDictionary(StringComparer.Ordinal),
            FrozenDictionary<string, RouteDefinition>.Empty,
            version);
    }

    /// <summary>The shipped deployments: profiles and specializations as in the product's appsettings.json.</summary>
    public static Dictionary<string, DeploymentOptions> ShippedDeployments() => new(StringComparer.Ordinal)
    {
        ["gpt-4"] = Options(profile: "speed=50,accuracy=90,creativity=95,ethics=85", specializations: "technical", price: 30),
        ["gemini"] = Options(profile: "speed=40,accuracy=95,creativity=85,ethics=80", specializations: "informational", price: 5),
        ["claude"] = Options(profile: "speed=60,accuracy=85,creativity=80,ethics=95", specializations: "creative,ethical", price: 15),
    };

    public static ChatRoutingFeature Feature(RouterCatalog catalog, string body = SimpleBody, bool explain = false)
    {
        catalog.TryGetRoute("route", out var route);
        return new ChatRoutingFeature(ChatRequestParser.Parse(Encoding.UTF8.GetBytes(body)), route!, catalog) { Explain = explain };
    }

    public static HttpContext Context(ChatRoutingFeature? feature = null, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        if (feature is not null)
        {
            context.Features.Set(feature);
        }

        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context;
    }

    public static string UserBody(string prompt, string? system = null, string? user = null, string? metadataCategory = null)
    {
        var messages = new List<object>();
        if (system is not null)
        {
            messages.Add(new { role = "system", content = system });
        }

        messages.Add(new { role = "user", content = prompt });
        var body = new Dictionary<string, object> { ["model"] = "route", ["messages"] = messages };
        if (user is not null)
        {
            body["user"] = user;
        }

        if (metadataCategory is not null)
        {
            body["metadata"] = new { category = metadataCategory };
        }

        return System.Text.Json.JsonSerializer.Serialize(body);
    }
}
