using System.Net;
using System.Net.Http.Json;
using LlmRouter.Hosting;
using LlmRouter.IntegrationTests.Infrastructure;

namespace LlmRouter.IntegrationTests.Hosting;

public sealed class InstanceHeaderTests
{
    private static TestCatalog Catalog() => new TestCatalog()
        .Deployment("gpt-4", "OpenAI", "simulated")
        .Route("auto", "RoundRobin", ["gpt-4"]);

    [Fact]
    public async Task EveryResponse_ConfiguredInstanceName_IsInHeader()
    {
        using var gateway = new GatewayApp(Catalog().Set("InstanceName", "replica-a"));
        using var client = gateway.CreateClient();

        using var health = await client.GetAsync("/healthz");
        using var notFound = await client.GetAsync("/no/such/path");
        using var badChat = await client.PostAsync("/v1/chat/completions", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        using var chat = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "auto", messages = new[] { new { role = "user", content = "hi" } } });

        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badChat.StatusCode);
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.All(new[] { health, notFound, badChat, chat }, response =>
            Assert.Equal("replica-a", Assert.Single(response.Headers.GetValues(InstanceHeaderMiddleware.HeaderName))));
    }

    [Fact]
    public async Task Response_NoInstanceName_NamesMachineAndProcess()
    {
        using var gateway = new GatewayApp(Catalog());
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/healthz");

        var name = Assert.Single(response.Headers.GetValues(InstanceHeaderMiddleware.HeaderName));
        Assert.EndsWith("-" + Environment.ProcessId, name, StringComparison.Ordinal);
        Assert.True(InstanceHeaderMiddleware.IsValidName(name));
    }
}
