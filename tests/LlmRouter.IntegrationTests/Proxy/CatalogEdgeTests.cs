using System.Net;
using LlmRouter.IntegrationTests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace LlmRouter.IntegrationTests.Proxy;

/// <summary>Configurations at the edges of the catalog: plain YARP routes beside LlmRouter's, and names that shadow each other.</summary>
public sealed class CatalogEdgeTests : IDisposable
{
    private const string Completion = """{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""";

    private readonly WireMockServer _first = Upstreams.Start();
    private readonly WireMockServer _second = Upstreams.Start();

    [Fact]
    public async Task PlainYarpRoute_BesideLlmRouter_IsProxiedUntouched_WithAnLlmRouterPolicy()
    {
        _first.Given(Request.Create().WithPath("/other/ping").UsingGet()).RespondWith(Response.Create().WithBody("pong-1"));
        _second.Given(Request.Create().WithPath("/other/ping").UsingGet()).RespondWith(Response.Create().WithBody("pong-2"));
        var settings = new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:other:ClusterId"] = "other",
            ["ReverseProxy:Routes:other:Match:Path"] = "/other/{**rest}",
            ["ReverseProxy:Clusters:other:LoadBalancingPolicy"] = "LlmRouter.Weighted",
            ["ReverseProxy:Clusters:other:Destinations:one:Address"] = _first.Url,
            ["ReverseProxy:Clusters:other:Destinations:one:Metadata:Weight"] = "3",
            ["ReverseProxy:Clusters:other:Destinations:two:Address"] = _second.Url,
            ["ReverseProxy:Clusters:other:Destinations:two:Metadata:Weight"] = "1",
        };
        using var gateway = new GatewayApp(new TestCatalog().Deployment("gpt-4", "OpenAI", "simulated"), settings);
        using var client = gateway.CreateClient();

        var bodies = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            using var response = await client.GetAsync("/other/ping");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            bodies.Add(await response.Content.ReadAsStringAsync());
        }

        // Weighted 3:1 over two windows of four picks.
        Assert.Equal(6, bodies.Count(b => b == "pong-1"));
        Assert.Equal(2, bodies.Count(b => b == "pong-2"));
    }

    [Fact]
    public async Task Fallback_DeploymentShadowedByARouteOfTheSameName_IsStillTried()
    {
        ProviderFakes.StubOpenAI(_first, """{"error":{"message":"boom","type":"server_error","param":null,"code":null}}""", status: 500);
        ProviderFakes.StubOpenAI(_second, Completion);
        var catalog = new TestCatalog()
            .Deployment("primary", "OpenAI", _first.Url!)
            .Deployment("backup", "OpenAI", _second.Url!)
            .Route("backup", "RoundRobin", ["primary"]) // a route named like the deployment shadows its implicit route
            .Route("main", "RoundRobin", ["primary"], route => route["Fallbacks"] = new System.Text.Json.Nodes.JsonArray("backup"));
        using var gateway = new GatewayApp(catalog);
        using var client = gateway.CreateClient();

        using var response = await client.SendAsync(ChatCompletionsTests.Chat("""{"model":"main","messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("backup", response.Headers.GetValues("x-llmrouter-deployment").Single());
        Assert.Single(_second.LogEntries);
    }

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
    }
}
