using System.Net;
using System.Text;
using System.Text.Json;
using LlmRouter.IntegrationTests.Infrastructure;
using LlmRouter.IntegrationTests.Proxy;

namespace LlmRouter.IntegrationTests.Hosting;

public sealed class BadInputTests : IDisposable
{
    private readonly GatewayApp _gateway;
    private readonly HttpClient _client;

    public BadInputTests()
    {
        var catalog = new TestCatalog()
            .Deployment("gpt-4", "OpenAI", "simulated")
            .Route("primary", "RoundRobin", ["gpt-4"])
            .Set("MaxRequestBodyBytes", 2048);
        _gateway = new GatewayApp(catalog);
        _client = _gateway.CreateClient();
    }

    public static TheoryData<string, HttpStatusCode, string?, string?> BadBodies => new()
    {
        { "{not json", HttpStatusCode.BadRequest, null, null },
        { "[1,2]", HttpStatusCode.BadRequest, null, null },
        { """{"model":"primary"}""", HttpStatusCode.BadRequest, "messages", null },
        { """{"model":"primary","messages":"hi"}""", HttpStatusCode.BadRequest, "messages", "invalid_type" },
        { """{"model":"primary","messages":[]}""", HttpStatusCode.BadRequest, "messages", null },
        { """{"messages":[{"role":"user","content":"hi"}]}""", HttpStatusCode.BadRequest, "model", null },
        { """{"model":"primary","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}""", HttpStatusCode.BadRequest, "temperature", "invalid_type" },
        { """{"model":"primary","messages":[{"role":"wizard","content":"hi"}]}""", HttpStatusCode.BadRequest, "messages[0].role", null },
        { """{"model":"primary","messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":true}}""", HttpStatusCode.BadRequest, "stream_options", null },
        { """{"model":"nope","messages":[{"role":"user","content":"hi"}]}""", HttpStatusCode.NotFound, "model", "model_not_found" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Post_BadBody_ReturnsOpenAIErrorWithStatusAndParam(string json, HttpStatusCode status, string? param, string? code)
    {
        using var response = await _client.SendAsync(ChatCompletionsTests.Chat(json));

        Assert.Equal(status, response.StatusCode);
        var error = await ReadErrorAsync(response);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal(param, error.GetProperty("param").GetString());
        if (code is not null)
        {
            Assert.Equal(code, error.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task Post_BodyOverLimit_Returns413()
    {
        var big = new string('a', 4096);
        using var response = await _client.SendAsync(ChatCompletionsTests.Chat($$"""{"model":"primary","messages":[{"role":"user","content":"{{big}}"}]}"""));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", (await ReadErrorAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Post_ChunkedBodyOverLimit_Returns413()
    {
        var big = new string('a', 4096);
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($$"""{"model":"primary","messages":[{"role":"user","content":"{{big}}"}]}""")));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/v1/chat/completions")]
    [InlineData("PUT", "/v1/chat/completions")]
    [InlineData("DELETE", "/v1/models")]
    public async Task WrongMethod_Returns405WithOpenAIError(string method, string path)
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("method_not_allowed", (await ReadErrorAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task UnknownPath_Returns404WithOpenAIError()
    {
        using var response = await _client.GetAsync("/v1/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("invalid_request_error", (await ReadErrorAsync(response)).GetProperty("type").GetString());
    }

    private static async Task<JsonElement> ReadErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(text);
        var error = doc.RootElement.GetProperty("error").Clone();
        Assert.True(error.TryGetProperty("type", out _));
        Assert.True(error.TryGetProperty("param", out _));
        Assert.True(error.TryGetProperty("code", out _));
        return error;
    }

    public void Dispose()
    {
        _client.Dispose();
        _gateway.Dispose();
    }
}
