using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRouter.IntegrationTests.Infrastructure;
using WireMock.Server;
using static LlmRouter.IntegrationTests.Telemetry.TelemetryFakes;

namespace LlmRouter.IntegrationTests.Telemetry;

public sealed class AdminEndpointsTests : IDisposable
{
    private const string AdminKey = "adm-0123456789";
    private const string UpstreamKey = "sk-test-SECRET123";

    private readonly WireMockServer _openAI = Upstreams.Start();
    private readonly WireMockServer _broken = Upstreams.Start();
    private readonly List<IDisposable> _owned = [];

    public AdminEndpointsTests()
    {
        StubOpenAI(_openAI);
        StubOpenAIError(_broken, 500, "server_error", "upstream_broke");
    }

    [Theory]
    [InlineData("/admin/deployments", null, null)]
    [InlineData("/admin/deployments", "Authorization", "Bearer wrong-key")]
    [InlineData("/admin/deployments", "Authorization", "Bearer adm-012345678")]
    [InlineData("/admin/deployments", "Authorization", "adm-0123456789")]
    [InlineData("/admin/routes", null, null)]
    [InlineData("/admin/routes", "x-llmrouter-admin-key", "adm-0123456789x")]
    public async Task Get_WithoutOrWithWrongKey_Returns401OpenAIError(string path, string? header, string? value)
    {
        var client = Client(Gateway(Catalog(), Settings()));
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.DoesNotContain(AdminKey, body.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Authorization", "Bearer " + AdminKey)]
    [InlineData("Authorization", "bearer " + AdminKey)]
    [InlineData("x-llmrouter-admin-key", AdminKey)]
    public async Task Get_WithKey_Returns200(string header, string value)
    {
        var client = Client(Gateway(Catalog(), Settings()));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/routes");
        request.Headers.TryAddWithoutValidation(header, value);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Get_NoAdminKeyConfigured_Returns404()
    {
        var client = Client(Gateway(Catalog()));

        using var response = await client.GetAsync("/admin/deployments");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/routes");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var withKey = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, withKey.StatusCode);
    }

    [Fact]
    public async Task Get_KeyFromConfiguredVariableName_IsAccepted()
    {
        var catalog = Catalog().Set("Admin", new JsonObject { ["ApiKeyVariable"] = "OPS_ADMIN_TOKEN" });
        var client = Client(Gateway(catalog, new Dictionary<string, string?> { ["OPS_ADMIN_TOKEN"] = "ops-token", ["LLMROUTER_ADMIN_KEY"] = AdminKey }));

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/admin/deployments", "ops-token")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(client, "/admin/deployments", AdminKey)).Status);
    }

    [Fact]
    public async Task Deployments_AfterFailures_ShowLastErrorErrorRateAndOpenCircuit()
    {
        // Two failures in two attempts open the circuit (minimum throughput 2).
        var catalog = Catalog().Set("CircuitBreaker", new JsonObject { ["MinimumThroughput"] = 2, ["FailureRatio"] = 0.5, ["BreakDurationSeconds"] = 60 });
        var gateway = Gateway(catalog, Settings());
        var client = Client(gateway);
        Assert.Equal(200, (await SendAsync(client, ChatRequest("adm-chat", "hi"))).Status);
        Assert.Equal(500, (await SendAsync(client, ChatRequest("adm-failing", "hi"))).Status);
        Assert.Equal(500, (await SendAsync(client, ChatRequest("adm-failing", "hi"))).Status);

        var (status, body) = await GetAsync(client, "/admin/deployments", AdminKey);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain(UpstreamKey, body, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(1, json.RootElement.GetProperty("catalogVersion").GetInt64());
        var deployments = json.RootElement.GetProperty("deployments").EnumerateArray().ToDictionary(d => d.GetProperty("id").GetString()!);
        Assert.Equal(["adm-broken", "adm-openai"], deployments.Keys.Order(StringComparer.Ordinal));

        var broken = deployments["adm-broken"];
        Assert.Equal("OpenAI", broken.GetProperty("provider").GetString());
        Assert.Equal("gpt-4o-broken", broken.GetProperty("model").GetString());
        Assert.Equal(new Uri(_broken.Url!).Authority, broken.GetProperty("baseUrlHost").GetString());
        Assert.Equal("open", broken.GetProperty("circuitState").GetString());
        Assert.False(broken.GetProperty("coolingDown").GetBoolean());
        Assert.Equal(JsonValueKind.Null, broken.GetProperty("cooldownUntil").ValueKind);
        Assert.Equal(0, broken.GetProperty("inFlight").GetInt32());
        var brokenStats = broken.GetProperty("stats");
        Assert.Equal(2, brokenStats.GetProperty("samples").GetInt64());
        Assert.Equal("server_error", brokenStats.GetProperty("lastError").GetString());
        Assert.True(brokenStats.GetProperty("errorRate").GetDouble() > 0.5);
        Assert.True(brokenStats.GetProperty("lastErrorAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));

        var healthy = deployments["adm-openai"];
        Assert.Equal("closed", healthy.GetProperty("circuitState").GetString());
        var healthyStats = healthy.GetProperty("stats");
        Assert.Equal(1, healthyStats.GetProperty("samples").GetInt64());
        Assert.Equal(0, healthyStats.GetProperty("errorRate").GetDouble());
        Assert.Equal(JsonValueKind.Null, healthyStats.GetProperty("lastError").ValueKind);
        Assert.True(healthyStats.GetProperty("latencyEwmaMs").GetDouble() > 0);
        Assert.True(healthyStats.GetProperty("tokensPerSecond").GetDouble() > 0);

        // The same state as a gauge: 2 = open.
        var metrics = PrometheusText.Parse(await client.GetStringAsync("/metrics"));
        Assert.Equal(2, Assert.Single(metrics.Series("llmrouter_deployment_circuit_state", ("llmrouter_deployment", "adm-broken"))).Value);
        Assert.Equal(0, Assert.Single(metrics.Series("llmrouter_deployment_circuit_state", ("llmrouter_deployment", "adm-openai"))).Value);
    }

    [Fact]
    public async Task Routes_AfterReload_ShowTheNewConfiguration()
    {
        var gateway = Gateway(Catalog(), Settings());
        var client = Client(gateway);
        var before = JsonDocument.Parse((await GetAsync(client, "/admin/routes", AdminKey)).Body);
        var chat = Route(before, "adm-chat");
        Assert.Equal("RoundRobin", chat.GetProperty("policy").GetString());
        Assert.Equal("LlmRouter.RoundRobin", chat.GetProperty("yarpPolicy").GetString());
        Assert.False(chat.GetProperty("implicit").GetBoolean());
        Assert.Equal(["adm-openai"], chat.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(3, chat.GetProperty("resilience").GetProperty("maxAttempts").GetInt32());
        Assert.True(Route(before, "adm-openai").GetProperty("implicit").GetBoolean());

        gateway.UpdateCatalog(Catalog()
            .Route("adm-chat", "LeastConnections", ["adm-openai", "adm-broken"], r =>
            {
                r["Fallbacks"] = new JsonArray("adm-openai");
                r["Resilience"] = new JsonObject { ["MaxAttempts"] = 5 };
            })
            .Route("adm-new", "Weighted", ["adm-broken"]));

        var after = await EventuallyAsync(
            async () => JsonDocument.Parse((await GetAsync(client, "/admin/routes", AdminKey)).Body),
            doc => doc.RootElement.GetProperty("catalogVersion").GetInt64() > before.RootElement.GetProperty("catalogVersion").GetInt64());
        var reloaded = Route(after, "adm-chat");
        Assert.Equal("LeastConnections", reloaded.GetProperty("policy").GetString());
        Assert.Equal(["adm-openai", "adm-broken"], reloaded.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(["adm-openai"], reloaded.GetProperty("fallbacks").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(5, reloaded.GetProperty("resilience").GetProperty("maxAttempts").GetInt32());
        Assert.Equal("Weighted", Route(after, "adm-new").GetProperty("policy").GetString());
        before.Dispose();
        after.Dispose();
    }

    public void Dispose()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            owned.Dispose();
        }

        _openAI.Dispose();
        _broken.Dispose();
    }

    private static Dictionary<string, string?> Settings() => new() { ["LLMROUTER_ADMIN_KEY"] = AdminKey, ["TEST_ADMIN_UPSTREAM_KEY"] = UpstreamKey };

    private static JsonElement Route(JsonDocument routes, string name)
        => routes.RootElement.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("name").GetString() == name);

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient client, string path, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private TestCatalog Catalog() => new TestCatalog()
        .Deployment("adm-openai", "OpenAI", _openAI.Url!, model: "gpt-4o", apiKeyVariable: "TEST_ADMIN_UPSTREAM_KEY")
        .Deployment("adm-broken", "OpenAI", _broken.Url!, model: "gpt-4o-broken", apiKeyVariable: "TEST_ADMIN_UPSTREAM_KEY")
        .Route("adm-chat", "RoundRobin", ["adm-openai"])
        .Route("adm-failing", "RoundRobin", ["adm-broken"]);

    private GatewayApp Gateway(TestCatalog catalog, IDictionary<string, string?>? settings = null)
    {
        var gateway = TelemetryFakes.Gateway(catalog, settings);
        _owned.Add(gateway);
        return gateway;
    }

    private HttpClient Client(GatewayApp gateway)
    {
        var client = gateway.CreateClient();
        _owned.Add(client);
        return client;
    }
}
