using System.Net;
using System.Text.Json;
using LlmRouter.IntegrationTests.Infrastructure;

namespace LlmRouter.IntegrationTests.Hosting;

public sealed class ModelsAndConfigTests
{
    private static TestCatalog Catalog() => new TestCatalog()
        .Deployment("gpt-4", "OpenAI", "simulated")
        .Deployment("claude", "Anthropic", "simulated")
        .Route("auto", "RoundRobin", ["gpt-4", "claude"]);

    [Fact]
    public async Task GetModels_ListsRoutesAndDeployments()
    {
        using var gateway = new GatewayApp(Catalog());
        using var client = gateway.CreateClient();

        using var doc = JsonDocument.Parse(await client.GetStringAsync("/v1/models"));

        Assert.Equal("list", doc.RootElement.GetProperty("object").GetString());
        var ids = doc.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Equal(["auto", "claude", "gpt-4"], ids.Order());
        Assert.All(doc.RootElement.GetProperty("data").EnumerateArray(), m =>
        {
            Assert.Equal("model", m.GetProperty("object").GetString());
            Assert.True(m.GetProperty("created").GetInt64() > 0);
            Assert.False(string.IsNullOrEmpty(m.GetProperty("owned_by").GetString()));
        });
    }

    [Fact]
    public async Task GetModel_KnownAndUnknown()
    {
        using var gateway = new GatewayApp(Catalog());
        using var client = gateway.CreateClient();

        using var known = JsonDocument.Parse(await client.GetStringAsync("/v1/models/claude"));
        Assert.Equal("anthropic", known.RootElement.GetProperty("owned_by").GetString());

        using var unknown = await client.GetAsync("/v1/models/nope");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var error = JsonDocument.Parse(await unknown.Content.ReadAsStringAsync());
        Assert.Equal("model_not_found", error.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task HealthAndReadiness_ReportOk()
    {
        using var gateway = new GatewayApp(Catalog());
        using var client = gateway.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        using var ready = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var doc = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal(2, doc.RootElement.GetProperty("usable").GetInt32());
    }

    [Fact]
    public async Task ConfigReload_AddsDeploymentWithoutRestart()
    {
        using var gateway = new GatewayApp(Catalog());
        using var client = gateway.CreateClient();

        gateway.UpdateCatalog(Catalog().Deployment("gemini", "Gemini", "simulated").Route("auto", "RoundRobin", ["gpt-4", "claude", "gemini"]));

        var deadline = DateTime.UtcNow.AddSeconds(15);
        HttpStatusCode status;
        do
        {
            await Task.Delay(100);
            using var probe = await client.SendAsync(Proxy.ChatCompletionsTests.Chat("""{"model":"gemini","messages":[{"role":"user","content":"hi"}]}"""));
            status = probe.StatusCode;
            if (status == HttpStatusCode.OK)
            {
                Assert.Equal("gemini", probe.Headers.GetValues("x-llmrouter-deployment").Single());
            }
        }
        while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public void Start_InvalidConfiguration_FailsWithReadableMessage()
    {
        var catalog = new TestCatalog()
            .Deployment("gpt-4", "OpenAI", "not a url")
            .Route("auto", "NoSuchPolicy", ["gpt-4", "missing"]);

        var ex = Assert.ThrowsAny<Exception>(() => new GatewayApp(catalog));

        var message = ex.ToString();
        Assert.Contains("LlmRouter:Deployments:gpt-4:BaseUrl", message, StringComparison.Ordinal);
        Assert.Contains("NoSuchPolicy", message, StringComparison.Ordinal);
        Assert.Contains("'missing'", message, StringComparison.Ordinal);
    }
}
