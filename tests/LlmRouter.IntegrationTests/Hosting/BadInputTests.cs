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

    private const string ValidBody = """{"model":"primary","messages":[{"role":"user","content":"hi"}]}""";

    [Theory]
    [InlineData("/v1/chat/completions", "text/plain")]
    [InlineData("/v1/chat/completions", "application/x-www-form-urlencoded")]
    [InlineData("/v1/chat/completions", "multipart/form-data; boundary=x")]
    [InlineData("/v1/chat/completions", "application/xml")]
    [InlineData("/v1/chat/completions", "application/json; charset=latin1")]
    [InlineData("/v1/chat/completions", null)]
    [InlineData("/v1/router/decide", "text/plain")]
    [InlineData("/v1/router/decide", null)]
    public async Task Post_NonJsonContentType_Returns415(string path, string? contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(ValidBody));
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = content });

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var error = await ReadErrorAsync(response);
        Assert.Equal("unsupported_media_type", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON;charset=UTF-8")]
    [InlineData("application/vnd.llm+json")]
    public async Task Post_JsonContentType_IsServed(string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(ValidBody));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = content });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    [InlineData("identity, deflate")]
    public async Task Post_ContentEncoding_Returns415(string encoding)
    {
        using var request = ChatCompletionsTests.Chat(ValidBody);
        request.Content!.Headers.TryAddWithoutValidation("Content-Encoding", encoding);

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("unsupported_media_type", (await ReadErrorAsync(response)).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("x-llmrouter-category", "café")]
    [InlineData("x-llmrouter-category", "a b")]
    [InlineData("x-llmrouter-category", "flood-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789")]
    [InlineData("x-llmrouter-priority", "accuracy=\u00011")]
    [InlineData("x-llmrouter-hash-key", "k\u00e9y")]
    public async Task Post_UnboundedRoutingHeader_Returns400NamingTheHeader(string header, string value)
    {
        // HttpClient refuses non-ASCII header values unless told how to encode them: sent as raw UTF-8 bytes.
        using var utf8Client = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 }) { BaseAddress = _gateway.BaseAddress };
        using var request = ChatCompletionsTests.Chat(ValidBody);
        request.Headers.TryAddWithoutValidation(header, value);

        using var response = await utf8Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(header, (await ReadErrorAsync(response)).GetProperty("param").GetString());
        Assert.False(response.Headers.Contains("x-llmrouter-category"));
    }

    [Theory]
    [InlineData("GET", "/v1beta/models/gemini-2.5-pro:generateContent")]
    [InlineData("GET", "/favicon.ico")]
    [InlineData("POST", "/v1/files/a.b.c")]
    public async Task DottedPath_Returns404WithOpenAIError(string method, string path)
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown_url", (await ReadErrorAsync(response)).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("POST", "/metrics")]
    [InlineData("DELETE", "/metrics")]
    [InlineData("POST", "/healthz")]
    [InlineData("PUT", "/readyz")]
    [InlineData("PATCH", "/v1/models/primary")]
    [InlineData("POST", "/admin/deployments")]
    [InlineData("GET", "/v1/router/decide")]
    [InlineData("PROPFIND", "/v1/chat/completions")]
    public async Task OperationalEndpoint_WrongMethod_Returns405WithOpenAIError(string method, string path)
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("method_not_allowed", (await ReadErrorAsync(response)).GetProperty("code").GetString());
        Assert.NotEmpty(response.Content.Headers.Allow);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/metrics")]
    public async Task OperationalEndpoint_Head_IsAnswered(string path)
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task HeadersAboveTheGatewayLimit_Return431WithOpenAIError()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        request.Headers.Add("x-padding", new string('p', 40 * 1024));

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        Assert.Equal("request_header_fields_too_large", (await ReadErrorAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task UrlAboveTheGatewayLimit_Returns414WithOpenAIError()
    {
        using var response = await _client.GetAsync("/v1/" + new string('u', 10 * 1024));

        Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
        Assert.Equal("uri_too_long", (await ReadErrorAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Post_BodiesBeyondTheBufferedBudget_Return503WithRetryAfter()
    {
        var catalog = new TestCatalog()
            .Deployment("gpt-4", "OpenAI", "simulated")
            .Route("primary", "RoundRobin", ["gpt-4"])
            .Set("Limits", new System.Text.Json.Nodes.JsonObject { ["MaxBufferedRequestBytes"] = 64 });
        using var gateway = new GatewayApp(catalog);
        using var client = gateway.CreateClient();
        var padded = $$"""{"model":"primary","messages":[{"role":"user","content":"{{new string('a', 100)}}"}]}""";

        using var refused = await client.SendAsync(ChatCompletionsTests.Chat(padded));
        using var served = await client.SendAsync(ChatCompletionsTests.Chat("""{"model":"primary","messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        Assert.Equal("server_overloaded", (await ReadErrorAsync(refused)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
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
