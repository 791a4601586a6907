using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRouter.IntegrationTests.Infrastructure;
using LlmRouter.IntegrationTests.Resilience;
using LlmRouter.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;
using WireMock.Server;

namespace LlmRouter.IntegrationTests.Proxy;

/// <summary>
/// What reaches a provider is an allowlist: the adapter's own auth and version headers, content type and length,
/// accept, LlmRouter's user agent, W3C trace context and the deployment's configured <c>ForwardHeaders</c>. Nothing
/// else a client sends — and no client mistake — can change a deployment's behaviour or health for other clients.
/// </summary>
public sealed class UpstreamHeadersTests : IDisposable
{
    private static readonly string[] HostileHeaders =
    [
        "x-goog-user-project", "openai-beta", "anthropic-dangerous-direct-browser-access", "x-http-method-override", "x-real-ip", "baggage",
        "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded", "x-custom-hop", "openai-organization", "anthropic-beta", "cookie",
        "x-api-key", "x-goog-api-key", "api-key", "x-llmrouter-hash-key",
    ];

    private readonly WireMockServer _openAI = Upstreams.Start();
    private readonly WireMockServer _anthropic = Upstreams.Start();
    private readonly WireMockServer _gemini = Upstreams.Start();

    public UpstreamHeadersTests()
    {
        ProviderFakes.StubOpenAI(_openAI, OpenAIWire.Completion("hi"));
        ProviderFakes.StubAnthropic(_anthropic, ProviderFakes.AnthropicText);
        ProviderFakes.StubGemini(_gemini, "gemini-2.5-flash", ProviderFakes.GeminiText);
    }

    public static TheoryData<string> Deployments => new() { "gpt", "claude", "gemini" };

    [Theory]
    [MemberData(nameof(Deployments))]
    public async Task ChatRequest_HostileClientHeaders_NeverReachTheProvider(string deployment)
    {
        using var gateway = Gateway();
        using var client = gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = OpenAIWire.Request(deployment) };
        foreach (var name in HostileHeaders)
        {
            request.Headers.TryAddWithoutValidation(name, "client-value");
        }

        request.Headers.TryAddWithoutValidation("Connection", "x-custom-hop");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer client-key");
        request.Headers.TryAddWithoutValidation("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headers = Received(deployment);
        var allowed = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Host", "Content-Type", "Content-Length", "Accept", "User-Agent", "traceparent", "tracestate",
            "Authorization", "x-api-key", "anthropic-version", "x-goog-api-key",
        };
        Assert.All(headers.Keys, name => Assert.Contains(name, allowed));
        Assert.All(headers, header => Assert.DoesNotContain("client-", string.Join(",", header.Value), StringComparison.Ordinal));
        Assert.StartsWith("LlmRouter/", string.Join(" ", headers["User-Agent"]), StringComparison.Ordinal);
        Assert.Equal("application/json", string.Join(",", headers["Content-Type"]));
        Assert.Contains("0af7651916cd43dd8448eb211c80319c", string.Join(",", headers["traceparent"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatRequest_ForwardHeadersConfigured_PassesExactlyThoseHeaders()
    {
        using var gateway = Gateway(claude => claude["ForwardHeaders"] = new JsonArray("anthropic-beta"));
        using var client = gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = OpenAIWire.Request("claude") };
        request.Headers.TryAddWithoutValidation("anthropic-beta", "prompt-caching-2024-07-31");
        request.Headers.TryAddWithoutValidation("openai-beta", "assistants=v2");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headers = Received("claude");
        Assert.Equal("prompt-caching-2024-07-31", string.Join(",", headers["anthropic-beta"]));
        Assert.False(headers.ContainsKey("openai-beta"));
    }

    [Fact]
    public async Task ChatRequest_ForwardedHeaderWithNonAsciiValue_Is400AndNeverCharged()
    {
        using var gateway = Gateway(claude => claude["ForwardHeaders"] = new JsonArray("anthropic-beta"));
        using var client = Utf8HeaderClient(gateway);
        for (var i = 0; i < 12; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = OpenAIWire.Request("claude") };
            request.Headers.TryAddWithoutValidation("anthropic-beta", "caf\u00e9");
            using var response = await client.SendAsync(request);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("anthropic-beta", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Empty(_anthropic.LogEntries);
        Assert.Equal(CircuitState.Closed, gateway.Services.GetRequiredService<DeploymentCircuitBreakers>().StateOf("claude"));
    }

    [Fact]
    public async Task ChatRequest_NonAsciiClientHeaders_NeverTripTheBreakers()
    {
        using var gateway = Gateway();
        using var client = Utf8HeaderClient(gateway);
        for (var i = 0; i < 12; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = OpenAIWire.Request("resilient") };
            request.Headers.TryAddWithoutValidation("x-note", "caf\u00e9");
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var breakers = gateway.Services.GetRequiredService<DeploymentCircuitBreakers>();
        Assert.All(new[] { "gpt", "claude", "gemini" }, id => Assert.Equal(CircuitState.Closed, breakers.StateOf(id)));
    }

    [Fact]
    public async Task ChatRequest_ForwardClientAddressOn_SendsXForwardedFor()
    {
        using var gateway = Gateway(root: catalog => catalog.Set("ForwardClientAddress", true));
        using var client = gateway.CreateClient();

        using var response = await client.PostAsync("/v1/chat/completions", OpenAIWire.Request("gpt"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headers = Received("gpt");
        Assert.Equal("127.0.0.1", string.Join(",", headers["X-Forwarded-For"]));
        Assert.Equal("http", string.Join(",", headers["X-Forwarded-Proto"]));
    }

    [Fact]
    public async Task ChatRequest_GzipContentEncodingFromClient_IsNotForwardedNextToThePlainBody()
    {
        using var gateway = Gateway();
        using var client = gateway.CreateClient();
        using var content = new StringContent("""{"model":"gpt","messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json");
        content.Headers.ContentEncoding.Add("identity");

        using var response = await client.PostAsync("/v1/chat/completions", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headers = Received("gpt");
        Assert.False(headers.ContainsKey("Content-Encoding"));
        Assert.Equal(headers["Content-Length"].Single(), Assert.Single(_openAI.LogEntries).RequestMessage.BodyAsBytes!.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Dispose()
    {
        _openAI.Dispose();
        _anthropic.Dispose();
        _gemini.Dispose();
    }

    // A client that sends header values as raw UTF-8, as a hostile or careless client can.
    private static HttpClient Utf8HeaderClient(GatewayApp gateway)
        => new(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 }) { BaseAddress = gateway.BaseAddress };

    private Dictionary<string, string[]> Received(string deployment)
    {
        var server = deployment switch { "gpt" => _openAI, "claude" => _anthropic, _ => _gemini };
        var entry = Assert.Single(server.LogEntries);
        return entry.RequestMessage.Headers!.ToDictionary(h => h.Key, h => h.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
    }

    private GatewayApp Gateway(Action<JsonObject>? claude = null, Action<TestCatalog>? root = null)
    {
        var catalog = new TestCatalog()
            .Deployment("gpt", "OpenAI", _openAI.Url!, model: "gpt-4o", apiKeyVariable: "TEST_KEY")
            .Deployment("claude", "Anthropic", _anthropic.Url!, model: "claude-sonnet-4-5", apiKeyVariable: "TEST_KEY", configure: claude)
            .Deployment("gemini", "Gemini", _gemini.Url!, model: "gemini-2.5-flash", apiKeyVariable: "TEST_KEY")
            .Route("resilient", "RoundRobin", ["gpt"], route => route["Fallbacks"] = new JsonArray("claude", "gemini"))
            .Set("CircuitBreaker", new JsonObject { ["MinimumThroughput"] = 2, ["FailureRatio"] = 0.5 });
        root?.Invoke(catalog);
        return new GatewayApp(catalog, new Dictionary<string, string?> { ["TEST_KEY"] = "upstream-secret" });
    }
}
