using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmRouter.IntegrationTests.Infrastructure;
using WireMock.Server;

namespace LlmRouter.IntegrationTests.Protocols;

/// <summary>
/// <c>/v1/messages</c> over raw HTTP, where bytes matter: the native pass-through to Anthropic deployments (body and
/// stream byte for byte, the client's <c>anthropic-*</c> headers), and Anthropic-shaped errors with Anthropic's statuses.
/// </summary>
public sealed class AnthropicMessagesTests : IDisposable
{
    // A Claude-Code-like request: cache_control on system blocks and tools, thinking, metadata, odd spacing and escapes.
    private const string ClaudeCodeRequest = """
        {"model": "claude", "max_tokens": 32000, "stream": true,
          "system": [{"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude.", "cache_control": {"type": "ephemeral"}},
                     {"type": "text", "text": "Working directory: /home/u/proj \u00e9t\u00e9", "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
          "messages": [{"role": "user", "content": [{"type": "text", "text": "<system-reminder>ctx</system-reminder>"}, {"type": "text", "text": "fix the bug", "cache_control": {"type": "ephemeral"}}]},
                       {"role": "assistant", "content": [{"type": "thinking", "thinking": "Let me look.", "signature": "EqQBCkYIBxgCKkDx=="}, {"type": "tool_use", "id": "toolu_01A", "name": "Read", "input": {"file_path": "/home/u/proj/a.py"}}]},
                       {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01A", "content": "print(1)\n", "is_error": false}]}],
          "tools": [{"name": "Read", "description": "Reads a file", "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}, "required": ["file_path"], "additionalProperties": false, "$schema": "http://json-schema.org/draft-07/schema#"}, "cache_control": {"type": "ephemeral"}},
                    {"type": "web_search_20250305", "name": "web_search", "max_uses": 5}],
          "thinking": {"type": "enabled", "budget_tokens": 31999},
          "metadata": {"user_id": "user_abc123_account__session_0f1e"},
          "temperature": 1, "top_k": 40}
        """;

    private static readonly string ThinkingStream = string.Concat(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01T\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":300,\"cache_read_input_tokens\":2000,\"output_tokens\":1,\"service_tier\":\"standard\"}}}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n",
        "event: ping\ndata: {\"type\": \"ping\"}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"The bug is \\u2026\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQBCkYIBxgCKkB==\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Fixed.\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":57}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");

    private readonly WireMockServer _anthropic = Upstreams.Start();
    private readonly WireMockServer _openAI = Upstreams.Start();
    private readonly WireMockServer _gemini = Upstreams.Start();
    private readonly GatewayApp _gateway;
    private readonly HttpClient _http;

    public AnthropicMessagesTests()
    {
        var catalog = new TestCatalog()
            .Deployment("claude", "Anthropic", _anthropic.Url!, model: "claude-sonnet-4-5", apiKeyVariable: "TEST_ANTHROPIC_KEY")
            .Deployment("claude-2", "Anthropic", _anthropic.Url!, model: "claude-haiku-4-5", apiKeyVariable: "TEST_ANTHROPIC_KEY")
            .Deployment("gpt", "OpenAI", _openAI.Url!, model: "gpt-4o")
            .Deployment("gemini", "Gemini", _gemini.Url!, model: "gemini-2.5-flash")
            .Deployment("sim", "OpenAI", "simulated", model: "gpt-4o")
            .Route("claudes", "RoundRobin", ["claude", "claude-2"])
            .Route("mixed", "RoundRobin", ["gpt", "claude"])
            .Set("MaxRequestBodyBytes", 16 * 1024);
        _gateway = new GatewayApp(catalog, new Dictionary<string, string?> { ["TEST_ANTHROPIC_KEY"] = "anthropic-secret" });
        _http = new HttpClient { BaseAddress = _gateway.BaseAddress };
    }

    [Fact]
    public async Task PassThrough_ClaudeCodeRequest_ReachesAnthropicByteForByteExceptModel()
    {
        ProviderFakes.StubAnthropic(_anthropic, ThinkingStream, stream: true);

        using var response = await SendAsync(ClaudeCodeRequest, ("anthropic-version", "2023-06-01"),
            ("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(_anthropic.LogEntries).RequestMessage;
        var expected = ClaudeCodeRequest.Replace("\"model\": \"claude\"", "\"model\": \"claude-sonnet-4-5\"", StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetBytes(expected), sent.BodyAsBytes);
        Assert.Equal("claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14", sent.Headers!["anthropic-beta"].Single());
        Assert.Equal("2023-06-01", sent.Headers["anthropic-version"].Single());
        Assert.Equal("anthropic-secret", sent.Headers["x-api-key"].Single());
    }

    [Fact]
    public async Task PassThrough_Stream_ReachesTheClientUnchanged()
    {
        ProviderFakes.StubAnthropic(_anthropic, ThinkingStream, stream: true);

        using var response = await SendAsync(ClaudeCodeRequest, ("anthropic-version", "2023-06-01"));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(ThinkingStream, await response.Content.ReadAsStringAsync());
        Assert.Equal("claude", response.Headers.GetValues("x-llmrouter-deployment").Single());
    }

    [Fact]
    public async Task PassThrough_JsonResponse_ReachesTheClientUnchanged()
    {
        ProviderFakes.StubAnthropic(_anthropic, ProviderFakes.AnthropicToolUse);

        using var response = await SendAsync("""{"model":"claude","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(ProviderFakes.AnthropicToolUse, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Translated_AnthropicHeadersNeverReachOtherProviders()
    {
        ProviderFakes.StubOpenAI(_openAI, """{"id":"c","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}""");

        using var response = await SendAsync("""{"model":"gpt","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}""",
            ("anthropic-version", "2023-06-01"), ("anthropic-beta", "prompt-caching-2024-07-31"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headers = Assert.Single(_openAI.LogEntries).RequestMessage.Headers!;
        Assert.False(headers.ContainsKey("anthropic-beta"));
        Assert.False(headers.ContainsKey("anthropic-version"));
    }

    [Fact]
    public async Task Translated_AnthropicOnlyFeatureToOpenAI_Is400NamingIt()
    {
        using var response = await SendAsync("""
            {"model":"gpt","max_tokens":10,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}}]}]}
            """);

        var error = await AssertAnthropicErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.Contains("messages.0.content.0", error, StringComparison.Ordinal);
        Assert.Empty(_openAI.LogEntries);
    }

    [Fact]
    public async Task MixedRoute_AnthropicOnlyFeature_GoesToTheAnthropicMember()
    {
        ProviderFakes.StubAnthropic(_anthropic, ProviderFakes.AnthropicText);
        const string document = """
            {"model":"mixed","max_tokens":10,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}},{"type":"text","text":"Summarise"}]}]}
            """;

        for (var i = 0; i < 3; i++)
        {
            using var response = await SendAsync(document);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("claude", response.Headers.GetValues("x-llmrouter-deployment").Single());
        }

        Assert.Equal(3, _anthropic.LogEntries.Count);
        Assert.Empty(_openAI.LogEntries);
    }

    [Fact]
    public async Task Translated_GeminiStreamCutAfterText_EndsWithAnErrorEventAndNoMessageStop()
    {
        ProviderFakes.StubGemini(_gemini, "gemini-2.5-flash", ProviderFakes.GeminiTruncatedStream, stream: true);

        using var response = await SendAsync("""{"model":"gemini","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"Hi"}]}""");

        // The gateway drops the connection after the error event: keep what arrived, as an SDK would have seen it.
        var received = new MemoryStream();
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync();
            await stream.CopyToAsync(received);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
        }

        var body = Encoding.UTF8.GetString(received.ToArray());
        Assert.Contains("event: message_start", body, StringComparison.Ordinal);
        Assert.Contains("Partial ", body, StringComparison.Ordinal);
        Assert.Contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("message_stop", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":"gpt","messages":[{"role":"user","content":"Hi"}]}""", "max_tokens")]
    [InlineData("""{"model":"gpt","max_tokens":10,"messages":[{"role":"system","content":"Hi"}]}""", "messages.0.role")]
    [InlineData("""{"model":"gpt","max_tokens":10,"messages":[]}""", "messages")]
    [InlineData("""{"model":"gpt","max_tokens":"ten","messages":[{"role":"user","content":"Hi"}]}""", "max_tokens")]
    [InlineData("""{"model":"gpt","max_tokens":10,"temperature":1.5,"messages":[{"role":"user","content":"Hi"}]}""", "temperature")]
    [InlineData("""{"model":"gpt",""", "JSON")]
    public async Task BadInput_Is400InvalidRequestErrorInAnthropicShape(string body, string mentioned)
    {
        using var response = await SendAsync(body);

        var message = await AssertAnthropicErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.Contains(mentioned, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownModel_Is404NotFoundError()
    {
        using var response = await SendAsync("""{"model":"nope","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}""");

        await AssertAnthropicErrorAsync(response, HttpStatusCode.NotFound, "not_found_error");
    }

    [Fact]
    public async Task OversizedBody_Is413RequestTooLarge()
    {
        using var response = await SendAsync($$"""{"model":"gpt","max_tokens":10,"messages":[{"role":"user","content":"{{new string('a', 20_000)}}"}]}""");

        await AssertAnthropicErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "request_too_large");
    }

    [Fact]
    public async Task WrongMethod_Is405InAnthropicShape()
    {
        using var response = await _http.GetAsync(new Uri("/v1/messages", UriKind.Relative));

        await AssertAnthropicErrorAsync(response, HttpStatusCode.MethodNotAllowed, "invalid_request_error");
    }

    [Fact]
    public async Task EveryCandidateOverloaded_Is529OverloadedError()
    {
        ProviderFakes.StubAnthropic(_anthropic, """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""", status: 529);

        using var response = await SendAsync("""{"model":"claudes","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}""");

        await AssertAnthropicErrorAsync(response, (HttpStatusCode)529, "overloaded_error");
        Assert.True(_anthropic.LogEntries.Count >= 2);
    }

    [Fact]
    public async Task Fuzz_MutatedRequests_NeverGetA5xxAndErrorsAreAnthropicShaped()
    {
        const string valid = """
            {"model":"sim","max_tokens":20,"system":[{"type":"text","text":"Be brief"}],"stop_sequences":["END"],"temperature":0.5,
             "tools":[{"name":"t","input_schema":{"type":"object"}}],"tool_choice":{"type":"auto"},
             "messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]},{"role":"assistant","content":[{"type":"tool_use","id":"x","name":"t","input":{}}]},
                         {"role":"user","content":[{"type":"tool_result","tool_use_id":"x","content":"ok"}]}]}
            """;
        const string replacements = "{}[]\":,0-1.5nulltruefalse\\\u00e9 ";
        var random = new Random(1302);
        for (var i = 0; i < 150; i++)
        {
            var chars = valid.ToCharArray();
            var body = (i % 3) switch
            {
                0 => valid[..random.Next(valid.Length)],
                1 => MutateOne(chars, random, replacements),
                _ => valid.Replace(Pick(random, ["\"Hi\"", "20", "\"user\"", "\"text\"", "{\"type\":\"object\"}", "\"auto\"", "0.5"]),
                    Pick(random, ["null", "[]", "{}", "-3", "\"\"", "true", "1e309", "[[[]]]"]), StringComparison.Ordinal),
            };

            using var response = await SendAsync(body);

            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for: {body}");
            if (!response.IsSuccessStatusCode)
            {
                using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                Assert.Equal("error", error.RootElement.GetProperty("type").GetString());
            }
        }
    }

    [Fact]
    public async Task Decide_AnthropicBodyWithAnthropicVersion_ExplainsTheRoute()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/router/decide", UriKind.Relative))
        {
            Content = new StringContent("""{"model":"claudes","max_tokens":10,"system":"Be brief","messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("anthropic-version", "2023-06-01");

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var decision = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("claudes", decision.RootElement.GetProperty("route").GetString());
        Assert.Contains(decision.RootElement.GetProperty("chosen").GetString(), new[] { "claude", "claude-2" });
        Assert.Empty(_anthropic.LogEntries);
    }

    [Fact]
    public async Task Models_WithAnthropicVersion_ListInAnthropicShape()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/v1/models", UriKind.Relative));
        request.Headers.Add("anthropic-version", "2023-06-01");

        using var response = await _http.SendAsync(request);

        using var list = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var data = list.RootElement.GetProperty("data");
        Assert.Contains(data.EnumerateArray(), m => m.GetProperty("id").GetString() == "claudes" && m.GetProperty("type").GetString() == "model");
        Assert.True(DateTimeOffset.TryParse(data[0].GetProperty("created_at").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.False(list.RootElement.GetProperty("has_more").GetBoolean());
        Assert.Equal(data[0].GetProperty("id").GetString(), list.RootElement.GetProperty("first_id").GetString());
    }

    [Fact]
    public async Task UnknownModelById_WithAnthropicVersion_Is404NotFoundError()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/v1/models/nope", UriKind.Relative));
        request.Headers.Add("anthropic-version", "2023-06-01");

        using var response = await _http.SendAsync(request);

        await AssertAnthropicErrorAsync(response, HttpStatusCode.NotFound, "not_found_error");
    }

    [Fact]
    public async Task ChatCompletionsErrors_StayInOpenAIShape()
    {
        using var response = await _http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative),
            new StringContent("""{"model":"nope","messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"));

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("model_not_found", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    public void Dispose()
    {
        _http.Dispose();
        _gateway.Dispose();
        _anthropic.Stop();
        _openAI.Stop();
        _gemini.Stop();
    }

    private static string MutateOne(char[] chars, Random random, string replacements)
    {
        chars[random.Next(chars.Length)] = replacements[random.Next(replacements.Length)];
        return new string(chars);
    }

    private static string Pick(Random random, string[] options) => options[random.Next(options.Length)];

    private static async Task<string> AssertAnthropicErrorAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        Assert.Equal(status, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("error", body.RootElement.GetProperty("type").GetString());
        var error = body.RootElement.GetProperty("error");
        Assert.Equal(type, error.GetProperty("type").GetString());
        return error.GetProperty("message").GetString()!;
    }

    private async Task<HttpResponseMessage> SendAsync(string body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/messages", UriKind.Relative))
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("x-api-key", "client-key");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
