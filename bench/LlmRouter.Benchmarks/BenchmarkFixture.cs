using System.Collections.Frozen;
using System.Text;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Routing;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Benchmarks;

/// <summary>The shipped three-deployment catalog and a realistic chat request, as the policies see them in the gateway.</summary>
internal static class BenchmarkFixture
{
    public const string Body = """
        {"model":"route","user":"user-1234","messages":[
          {"role":"system","content":"You are a helpful assistant for an online store. Answer briefly."},
          {"role":"user","content":"My order page shows a 502 bad gateway error after I log in; how do I fix it?"}]}
        """;

    public static DestinationState[] Destinations() =>
    [
        new("gpt-4", new DestinationModel(new DestinationConfig { Address = "http://gpt-4.test/" })),
        new("gemini", new DestinationModel(new DestinationConfig { Address = "http://gemini.test/" })),
        new("claude", new DestinationModel(new DestinationConfig { Address = "http://claude.test/" })),
    ];

    public static RouterCatalog Catalog(RouteOptions route)
    {
        var deployments = new Dictionary<string, DeploymentOptions>(StringComparer.Ordinal)
        {
            ["gpt-4"] = Deployment(3, 30, "technical", ("speed", 50), ("accuracy", 90), ("creativity", 95), ("ethics", 85)),
            ["gemini"] = Deployment(2, 5, "informational", ("speed", 40), ("accuracy", 95), ("creativity", 85), ("ethics", 80)),
            ["claude"] = Deployment(1, 15, "creative,ethical", ("speed", 60), ("accuracy", 85), ("creativity", 80), ("ethics", 95)),
        };
        var byId = deployments.ToDictionary(d => d.Key, d => new Deployment(d.Key, d.Value, new Uri("http://" + d.Key + ".test/")), StringComparer.Ordinal);
        route.Deployments.AddRange(deployments.Keys);
        var options = new LlmRouterOptions();
        var definition = new RouteDefinition("route", route, PolicyNames.RoundRobin, [.. byId.Values], [], isImplicit: false);
        return new RouterCatalog(
            options,
            byId.ToFrozenDictionary(StringComparer.Ordinal),
            new Dictionary<string, RouteDefinition>(StringComparer.Ordinal) { ["route"] = definition }.ToFrozenDictionary(StringComparer.Ordinal),
            FrozenDictionary<string, RouteDefinition>.Empty,
            1);
    }

    public static HttpContext Context(RouteOptions route, params (string Name, string Value)[] headers)
    {
        var catalog = Catalog(route);
        catalog.TryGetRoute("route", out var definition);
        var context = new DefaultHttpContext();
        context.Features.Set(new ChatRoutingFeature(ChatRequestParser.Parse(Encoding.UTF8.GetBytes(Body)), definition!, catalog));
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context;
    }

    private static DeploymentOptions Deployment(int weight, double price, string specializations, params (string Dimension, double Score)[] profile)
    {
        var options = new DeploymentOptions { Weight = weight, Pricing = new PricingOptions { InputPerMillion = price, OutputPerMillion = price } };
        foreach (var (dimension, score) in profile)
        {
            options.Profile[dimension] = score;
        }

        options.Specializations.AddRange(specializations.Split(','));
        return options;
    }
}
