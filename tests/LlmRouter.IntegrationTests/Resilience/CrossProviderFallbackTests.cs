using System.Net;
using System.Text.Json;
using LlmRouter.IntegrationTests.Infrastructure;
using WireMock.Server;

namespace LlmRouter.IntegrationTests.Resilience;

/// <summary>An OpenAI deployment fails with 500; the route's Anthropic fallback answers in OpenAI's format.</summary>
public sealed class CrossProviderFallbackTests : IDisposable
{
    private readonly WireMockServer _openAI = Upstreams.Start();
    private readonly WireMockServer _anthropic = Upstreams.Start();
    private readonly GatewayApp _gateway;
    private readonly HttpClient _client;

    public CrossProviderFallbackTests()
    {
        ProviderFakes.StubOpenAI(_openAI, OpenAIWire.ServerError, status: 500);
        var catalog = new TestCatalog()
            .Deployment("gpt", "OpenAI", _openAI.Url!, model: "gpt-4o")
            .Deployment("claude", "Anthropic", _anthropic.Url!, model: "claude-sonnet-4-5", apiKeyVariable: "TEST_ANTHROPIC_KEY")
            .Route("smart", "RoundRobin", ["gpt"], route => route["Fallbacks"] = new System.Text.Json.Nodes.JsonArray("claude"));
        _gateway = new GatewayApp(catalog, new Dictionary<string, string?> { ["TEST_ANTHROPIC_KEY"] = "anthropic-secret" });
        _client = _gateway.CreateClient();
    }

    [Fact]
    public async Task OpenAIFails_AnthropicFallbackAnswers_NonStreaming()
    {
        ProviderFakes.StubAnthropic(_anthropic, ProviderFakes.AnthropicText);

        using var response = await _client.PostAsync("/v1/chat/completions", OpenAIWire.Request("smart"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("claude", response.Headers.GetValues("x-llmrouter-deployment").Single());
        Assert.Equal("2", response.Headers.GetValues("x-llmrouter-attempts").Single());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("chat.completion", body.RootElement.GetProperty("object").GetString());
        var choice = body.RootElement.GetProperty("choices")[0];
        Assert.Equal("Bonjour from Claude", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Single(_openAI.LogEntries);
        Assert.Equal("/v1/messages", Assert.Single(_anthropic.LogEntries).RequestMessage.Path);
    }

    [Fact]
    public async Task OpenAIFails_AnthropicFallbackAnswers_Streaming()
    {
        ProviderFakes.StubAnthropic(_anthropic, ProviderFakes.AnthropicTextStream("Bon", "jour"), stream: true);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = OpenAIWire.Request("smart", stream: true) };
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("claude", response.Headers.GetValues("x-llmrouter-deployment").Single());
        Assert.Equal("2", response.Headers.GetValues("x-llmrouter-attempts").Single());
        var capture = await StreamCapture.ReadAsync(response);
        Assert.Null(capture.Failure);
        Assert.True(capture.EndedWithDone);
        Assert.Equal("Bonjour", Sse.Content(capture.Data));
        Assert.All(capture.Data.SkipLast(1), d => Assert.Equal("chat.completion.chunk", JsonDocument.Parse(d).RootElement.GetProperty("object").GetString()));
        Assert.Single(_openAI.LogEntries);
    }

    public void Dispose()
    {
        _client.Dispose();
        _gateway.Dispose();
        _openAI.Dispose();
        _anthropic.Dispose();
    }
}
