using System.Net;
using System.Text.Json;
using LlmRouter.IntegrationTests.Infrastructure;
using LlmRouter.IntegrationTests.Proxy;
using LlmRouter.Configuration;
using LlmRouter.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRouter.IntegrationTests.Routing;

/// <summary>The shipped routes' decisions as clients see them: headers on every response and the dry-run endpoint.</summary>
public sealed class RoutingDecisionTests : IClassFixture<RoutingDecisionTests.ShippedCatalogGateway>
{
    private readonly ShippedCatalogGateway _gateway;

    public RoutingDecisionTests(ShippedCatalogGateway gateway)
    {
        _gateway = gateway;
    }

    [Theory]
    [InlineData("My Kubernetes pod is stuck in CrashLoopBackOff after I changed the YAML, how do I debug it?", "technical", "gpt-4")]
    [InlineData("Write me a short poem about autumn leaves falling on a quiet lake", "creative", "claude")]
    [InlineData("Give me an overview of the causes of the French Revolution", "informational", "gemini")]
    [InlineData("Is it morally acceptable to use facial recognition on protesters?", "ethical", "claude")]
    public async Task Auto_ClassifiesAndSendsToSpecialist_WithDecisionHeaders(string prompt, string category, string deployment)
    {
        using var response = await _gateway.Client.SendAsync(ChatCompletionsTests.Chat(Body("auto", prompt)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("auto", Header(response, "x-llmrouter-route"));
        Assert.Equal("Contextual", Header(response, "x-llmrouter-policy"));
        Assert.Equal(category, Header(response, "x-llmrouter-category"));
        Assert.Equal(deployment, Header(response, "x-llmrouter-deployment"));
    }

    [Fact]
    public async Task Contextual_ExplicitCategoryHeaderWins()
    {
        using var request = ChatCompletionsTests.Chat(Body("contextual", "Fix this null pointer exception in my Java code"));
        request.Headers.Add("x-llmrouter-category", "informational");

        using var response = await _gateway.Client.SendAsync(request);

        Assert.Equal("informational", Header(response, "x-llmrouter-category"));
        Assert.Equal("gemini", Header(response, "x-llmrouter-deployment"));
    }

    [Theory]
    [InlineData("accuracy", "gemini")]
    [InlineData("creativity", "gpt-4")]
    [InlineData("ethics", "claude")]
    [InlineData("speed", "claude")]
    public async Task ModelAware_PriorityHeaderPicksTheBestProfile(string priority, string deployment)
    {
        // A gateway of its own: with no live measurements yet, only the shipped profiles decide.
        using var gateway = new GatewayApp(TestCatalog.Shipped());
        using var client = gateway.CreateClient();
        using var request = ChatCompletionsTests.Chat(Body("model-aware", "hello"));
        request.Headers.Add("x-llmrouter-priority", priority);

        using var response = await client.SendAsync(request);

        Assert.Equal(deployment, Header(response, "x-llmrouter-deployment"));
    }

    [Fact]
    public async Task EveryShippedRoute_UsesItsPolicy()
    {
        var expected = new Dictionary<string, string>
        {
            ["round-robin"] = "RoundRobin",
            ["weighted"] = "Weighted",
            ["least-connections"] = "LeastConnections",
            ["adaptive"] = "Adaptive",
            ["consistent-hash"] = "ConsistentHash",
            ["contextual"] = "Contextual",
            ["model-aware"] = "ModelAware",
            ["auto"] = "Contextual",
        };

        foreach (var (route, policy) in expected)
        {
            using var response = await _gateway.Client.SendAsync(ChatCompletionsTests.Chat(Body(route, "Summarise the history of the printing press")));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(policy, Header(response, "x-llmrouter-policy"));
            Assert.Contains(Header(response, "x-llmrouter-deployment"), new[] { "gpt-4", "gemini", "claude" });
        }
    }

    [Fact]
    public async Task ConsistentHash_SameKeySameDeployment()
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < 10; i++)
        {
            using var request = ChatCompletionsTests.Chat(Body("consistent-hash", $"question {i}"));
            request.Headers.Add("x-llmrouter-hash-key", "tenant-42");
            using var response = await _gateway.Client.SendAsync(request);
            seen.Add(Header(response, "x-llmrouter-deployment"));
        }

        Assert.Single(seen);
    }

    [Fact]
    public async Task ConsistentHash_TwoGatewayInstances_AgreeOnEveryKey()
    {
        using var other = new GatewayApp(TestCatalog.Shipped());
        using var otherClient = other.CreateClient();
        var deployments = new HashSet<string>();

        for (var i = 0; i < 30; i++)
        {
            var first = await HashedDeploymentAsync(_gateway.Client, $"user-{i}");
            var second = await HashedDeploymentAsync(otherClient, $"user-{i}");
            Assert.Equal(first, second);
            deployments.Add(first);
        }

        Assert.True(deployments.Count > 1, "30 keys should spread over more than one deployment");
    }

    [Fact]
    public async Task Decide_ExplainsWithoutCallingUpstreams()
    {
        var before = _gateway.SimulatorRequests;
        using var response = await _gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/router/decide")
        {
            Content = ChatCompletionsTests.Chat(Body("auto", "My SQL query with a LEFT JOIN returns duplicate rows, why?")).Content,
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement;
        Assert.Equal("auto", root.GetProperty("route").GetString());
        Assert.Equal("Contextual", root.GetProperty("policy").GetString());
        Assert.Equal("technical", root.GetProperty("category").GetString());
        Assert.Equal("gpt-4", root.GetProperty("chosen").GetString());
        var candidates = root.GetProperty("candidates").EnumerateArray().ToList();
        Assert.Equal(3, candidates.Count);
        Assert.All(candidates, c => Assert.False(string.IsNullOrEmpty(c.GetProperty("reason").GetString())));
        Assert.Equal(before, _gateway.SimulatorRequests);
    }

    [Fact]
    public async Task Decide_ModelAware_ReportsScores()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/router/decide") { Content = ChatCompletionsTests.Chat(Body("model-aware", "hi")).Content };
        request.Headers.Add("x-llmrouter-priority", "accuracy=0.7,cost=0.3");

        using var response = await _gateway.Client.SendAsync(request);

        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.All(doc.RootElement.GetProperty("candidates").EnumerateArray(), c => Assert.Equal(JsonValueKind.Number, c.GetProperty("score").ValueKind));
        var best = doc.RootElement.GetProperty("candidates").EnumerateArray().MaxBy(c => c.GetProperty("score").GetDouble());
        Assert.Equal(doc.RootElement.GetProperty("chosen").GetString(), best.GetProperty("deployment").GetString());
    }

    [Fact]
    public async Task Decide_UnknownModel_Returns404()
    {
        using var response = await _gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/router/decide") { Content = ChatCompletionsTests.Chat(Body("nope", "hi")).Content });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task<string> HashedDeploymentAsync(HttpClient client, string user)
    {
        // No hash header: the request's `user` field is the key.
        var body = JsonSerializer.Serialize(new { model = "consistent-hash", user, messages = new[] { new { role = "user", content = "hi" } } });
        using var response = await client.SendAsync(ChatCompletionsTests.Chat(body));
        return Header(response, "x-llmrouter-deployment");
    }

    private static string Body(string model, string prompt)
        => JsonSerializer.Serialize(new { model, messages = new[] { new { role = "user", content = prompt } } });

    private static string Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) ? values.Single() : throw new Xunit.Sdk.XunitException($"missing header {name}");

    /// <summary>The shipped appsettings.json routes and deployments, with the simulated upstreams answering at once.</summary>
    public sealed class ShippedCatalogGateway : IDisposable
    {
        private readonly GatewayApp _app;

        public ShippedCatalogGateway()
        {
            _app = new GatewayApp(TestCatalog.Shipped());
            Client = _app.CreateClient();
        }

        public HttpClient Client { get; }

        public long SimulatorRequests => ((SimulatedUpstreamsHost)_app.Services.GetRequiredService<ISimulatedUpstreams>()).RequestCount;

        public void Dispose()
        {
            Client.Dispose();
            _app.Dispose();
        }
    }
}
