using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmRouter.IntegrationTests.Infrastructure;
using WireMock.Server;

namespace LlmRouter.IntegrationTests.Proxy;

public sealed class ChatCompletionsTests : IDisposable
{
    private const string Completion = """
        {"id":"chatcmpl-abc","object":"chat.completion","created":1726012687,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_1","x_vendor_field":{"kept":true},
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there","refusal":null},"logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14,"prompt_tokens_details":{"cached_tokens":0}}}
        """;

    private readonly WireMockServer _upstream = Upstreams.Start();
    private readonly GatewayApp _gateway;
    private readonly HttpClient _client;

    public ChatCompletionsTests()
    {
        var catalog = new TestCatalog()
            .Deployment("gpt-4", "OpenAI", _upstream.Url!, model: "gpt-4o", apiKeyVariable: "TEST_OPENAI_KEY")
            .Route("primary", "RoundRobin", ["gpt-4"]);
        _gateway = new GatewayApp(catalog, new Dictionary<string, string?> { ["TEST_OPENAI_KEY"] = "sk-upstream-secret" });
        _client = _gateway.CreateClient();
    }

    [Fact]
    public async Task Post_NonStreaming_ForwardsToUpstreamAndReturnsItsCompletion()
    {
        ProviderFakes.StubOpenAI(_upstream, Completion);

        using var request = Chat("""{"model":"primary","messages":[{"role":"user","content":"Hi"}],"custom_field":42}""");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "client-key");
        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Hello there", body.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.True(body.RootElement.GetProperty("x_vendor_field").GetProperty("kept").GetBoolean());
        Assert.Equal("primary", response.Headers.GetValues("x-llmrouter-route").Single());
        Assert.Equal("gpt-4", response.Headers.GetValues("x-llmrouter-deployment").Single());
        Assert.Equal("RoundRobin", response.Headers.GetValues("x-llmrouter-policy").Single());

        var sent = Assert.Single(_upstream.LogEntries).RequestMessage;
        using var upstreamBody = JsonDocument.Parse(sent.Body!);
        Assert.Equal("gpt-4o", upstreamBody.RootElement.GetProperty("model").GetString());
        Assert.Equal(42, upstreamBody.RootElement.GetProperty("custom_field").GetInt32());
        Assert.Equal("Bearer sk-upstream-secret", sent.Headers!["Authorization"].Single());
    }

    [Fact]
    public async Task Post_Streaming_RelaysChunksAndEndsWithDone()
    {
        var chunks = new[]
        {
            """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}""",
            """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null}],"usage":null}""",
            """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"lo"},"logprobs":null,"finish_reason":null}],"usage":null}""",
            """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}""",
            """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}""",
        };
        var sse = string.Concat(chunks.Select(c => $"data: {c}\n\n")) + "data: [DONE]\n\n";
        ProviderFakes.StubOpenAI(_upstream, sse, stream: true);

        using var request = Chat("""{"model":"primary","stream":true,"messages":[{"role":"user","content":"Hi"}]}""");
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var data = await Sse.ReadDataAsync(response);
        Assert.Equal("Hello", Sse.Content(data));
        Assert.Equal("[DONE]", data[^1]);
        Assert.DoesNotContain(data, d => d.Contains("\"choices\":[]", StringComparison.Ordinal));

        using var upstreamBody = JsonDocument.Parse(Assert.Single(_upstream.LogEntries).RequestMessage.Body!);
        Assert.True(upstreamBody.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }

    [Fact]
    public async Task Post_UpstreamRateLimited_ReturnsOpenAIErrorWithRetryAfter()
    {
        ProviderFakes.StubOpenAI(
            _upstream,
            """{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}""",
            status: 429,
            headers: ("retry-after", "7"));

        using var response = await _client.SendAsync(Chat("""{"model":"primary","messages":[{"role":"user","content":"Hi"}]}"""));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("7", response.Headers.GetValues("Retry-After").Single());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("rate_limit_exceeded", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Post_UpstreamUnreachable_Returns502WithOpenAIError()
    {
        var catalog = new TestCatalog()
            .Deployment("dead", "OpenAI", $"http://127.0.0.1:{Upstreams.FreePort()}")
            .Route("primary", "RoundRobin", ["dead"]);
        using var gateway = new GatewayApp(catalog);

        using var response = await gateway.CreateClient().SendAsync(Chat("""{"model":"primary","messages":[{"role":"user","content":"Hi"}]}"""));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("server_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    public void Dispose()
    {
        _client.Dispose();
        _gateway.Dispose();
        _upstream.Dispose();
    }

    internal static HttpRequestMessage Chat(string json)
        => new(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
}
