using System.Text.Json;
using static LlmRouter.Tests.Simulator.SimulatorHttp;

namespace LlmRouter.Tests.Simulator;

public sealed class OpenAISimulatorTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private const string Path = "/sim/oa/v1/chat/completions";

    private const string WeatherTool = """
        [{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city"]}}}]
        """;

    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task NonStreaming_OpenAI_ReturnsChatCompletionWireShape()
    {
        using var response = await PostAsync(_client, Path, """
            {"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"What is the capital of France?"}]}
            """);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = await ReadJsonAsync(response);
        var root = json.RootElement;
        Assert.StartsWith("chatcmpl-", String(root, "id"), StringComparison.Ordinal);
        Assert.Equal("chat.completion", String(root, "object"));
        Assert.True(root.GetProperty("created").GetInt64() > 1_700_000_000);
        Assert.Equal("gpt-4o", String(root, "model"));
        var choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, Int(choice, "index"));
        AssertNull(choice, "logprobs");
        Assert.Equal("stop", String(choice, "finish_reason"));
        var message = choice.GetProperty("message");
        Assert.Equal("assistant", String(message, "role"));
        AssertNull(message, "refusal");
        Assert.False(message.TryGetProperty("tool_calls", out _));
        var content = String(message, "content");
        Assert.StartsWith("[sim oa · gpt-4o] ", content, StringComparison.Ordinal);
        Assert.Contains("capital of France", content, StringComparison.Ordinal);

        var usage = root.GetProperty("usage");
        var completion = Int(usage, "completion_tokens");
        Assert.Equal(Words(content), completion);
        Assert.InRange(completion, 20, 60);
        Assert.True(Int(usage, "prompt_tokens") > 0);
        Assert.Equal(Int(usage, "prompt_tokens") + completion, Int(usage, "total_tokens"));
        Assert.Equal(0, Int(usage.GetProperty("prompt_tokens_details"), "cached_tokens"));
        Assert.Equal(0, Int(usage.GetProperty("completion_tokens_details"), "reasoning_tokens"));
    }

    [Fact]
    public async Task NonStreaming_OpenAI_SameRequestGivesSameText()
    {
        const string Body = """{"model":"gpt-4o","messages":[{"role":"user","content":"Repeat after me"}]}""";
        using var first = await ReadJsonAsync(await PostAsync(_client, Path, Body));
        using var second = await ReadJsonAsync(await PostAsync(_client, Path, Body));

        static string Text(JsonDocument d) => d.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        Assert.Equal(Text(first), Text(second));
    }

    [Fact]
    public async Task Stream_OpenAI_FramesDataEventsAndEndsWithDoneAfterUsageChunk()
    {
        using var response = await PostAsync(_client, Path, """
            {"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Tell me a story"}]}
            """);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = SplitEvents(await response.Content.ReadAsStringAsync(), "\n\n");
        Assert.Equal("data: [DONE]", events[^1]);
        Assert.All(events, e => Assert.DoesNotContain('\n', e));
        var chunks = events[..^1].Select(Data).ToList();

        var id = String(chunks[0], "id");
        Assert.All(chunks, c =>
        {
            Assert.Equal(id, String(c, "id"));
            Assert.Equal("chat.completion.chunk", String(c, "object"));
            Assert.Equal("gpt-4o-mini", String(c, "model"));
        });

        // Every chunk but the last carries "usage": null; the last has no choices and the usage.
        var usageChunk = chunks[^1];
        Assert.Empty(usageChunk.GetProperty("choices").EnumerateArray());
        Assert.All(chunks[..^1], c => AssertNull(c, "usage"));

        var deltas = chunks[..^1].Select(c => Assert.Single(c.GetProperty("choices").EnumerateArray())).ToList();
        Assert.Equal("assistant", String(deltas[0].GetProperty("delta"), "role"));
        Assert.All(deltas.Skip(1), d => Assert.False(d.GetProperty("delta").TryGetProperty("role", out _)));
        Assert.All(deltas[..^1], d => AssertNull(d, "finish_reason"));
        Assert.Equal("stop", String(deltas[^1], "finish_reason"));
        Assert.Empty(deltas[^1].GetProperty("delta").EnumerateObject());

        var text = string.Concat(deltas.Select(d => d.GetProperty("delta").TryGetProperty("content", out var c) ? c.GetString() : null));
        Assert.StartsWith("[sim oa · gpt-4o-mini] ", text, StringComparison.Ordinal);
        var usage = usageChunk.GetProperty("usage");
        Assert.Equal(Words(text), Int(usage, "completion_tokens"));
        Assert.Equal(Int(usage, "prompt_tokens") + Int(usage, "completion_tokens"), Int(usage, "total_tokens"));
    }

    [Fact]
    public async Task Stream_OpenAI_WithoutIncludeUsage_SendsNoUsageAtAll()
    {
        using var response = await PostAsync(_client, Path, """
            {"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Hi"}]}
            """);

        var events = SplitEvents(await response.Content.ReadAsStringAsync(), "\n\n");
        Assert.Equal("data: [DONE]", events[^1]);
        Assert.All(events[..^1], e =>
        {
            var chunk = Data(e);
            Assert.False(chunk.TryGetProperty("usage", out _));
            Assert.Single(chunk.GetProperty("choices").EnumerateArray());
        });
    }

    [Fact]
    public async Task ToolCall_OpenAI_CallsFirstToolWithArgumentsFromRequiredStringProperties()
    {
        using var response = await PostAsync(_client, Path, $$$"""
            {"model":"gpt-4o","tools":{{{WeatherTool}}},"messages":[{"role":"user","content":"Weather in Paris?"}]}
            """);

        using var json = await ReadJsonAsync(response);
        var choice = json.RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", String(choice, "finish_reason"));
        var message = choice.GetProperty("message");
        AssertNull(message, "content");
        var call = Assert.Single(message.GetProperty("tool_calls").EnumerateArray());
        Assert.StartsWith("call_", String(call, "id"), StringComparison.Ordinal);
        Assert.Equal("function", String(call, "type"));
        Assert.Equal("get_weather", String(call.GetProperty("function"), "name"));
        Assert.Equal("""{"city":"sim"}""", String(call.GetProperty("function"), "arguments"));
        var usage = json.RootElement.GetProperty("usage");
        Assert.Equal(Int(usage, "prompt_tokens") + Int(usage, "completion_tokens"), Int(usage, "total_tokens"));
    }

    [Fact]
    public async Task ToolCall_OpenAI_StreamSendsIndexIdAndNameFirstThenArgumentFragments()
    {
        using var response = await PostAsync(_client, Path, $$$"""
            {"model":"gpt-4o","stream":true,"tools":{{{WeatherTool}}},"messages":[{"role":"user","content":"Weather in Paris?"}]}
            """);

        var events = SplitEvents(await response.Content.ReadAsStringAsync(), "\n\n");
        Assert.Equal("data: [DONE]", events[^1]);
        var choices = events[..^1].Select(e => Data(e).GetProperty("choices")[0]).ToList();

        var first = Assert.Single(choices[0].GetProperty("delta").GetProperty("tool_calls").EnumerateArray());
        Assert.Equal(0, Int(first, "index"));
        Assert.StartsWith("call_", String(first, "id"), StringComparison.Ordinal);
        Assert.Equal("function", String(first, "type"));
        Assert.Equal("get_weather", String(first.GetProperty("function"), "name"));
        Assert.Equal(string.Empty, String(first.GetProperty("function"), "arguments"));

        var fragments = choices[1..^1].Select(c =>
        {
            var call = Assert.Single(c.GetProperty("delta").GetProperty("tool_calls").EnumerateArray());
            Assert.Equal(0, Int(call, "index"));
            Assert.False(call.TryGetProperty("id", out _));
            return String(call.GetProperty("function"), "arguments");
        }).ToList();
        Assert.NotEmpty(fragments);
        Assert.Equal("""{"city":"sim"}""", string.Concat(fragments));
        Assert.Equal("tool_calls", String(choices[^1], "finish_reason"));
    }

    [Fact]
    public async Task ToolResult_OpenAI_AnswersWithTextMentioningTheResult()
    {
        using var response = await PostAsync(_client, Path, $$$"""
            {"model":"gpt-4o","tools":{{{WeatherTool}}},"messages":[
              {"role":"user","content":"Weather in Paris?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"18C and sunny"}]}
            """);

        using var json = await ReadJsonAsync(response);
        var choice = json.RootElement.GetProperty("choices")[0];
        Assert.Equal("stop", String(choice, "finish_reason"));
        Assert.Contains("18C and sunny", String(choice.GetProperty("message"), "content"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolChoiceNone_OpenAI_AnswersWithText()
    {
        using var response = await PostAsync(_client, Path, $$$"""
            {"model":"gpt-4o","tool_choice":"none","tools":{{{WeatherTool}}},"messages":[{"role":"user","content":"Weather?"}]}
            """);

        using var json = await ReadJsonAsync(response);
        Assert.Equal("stop", String(json.RootElement.GetProperty("choices")[0], "finish_reason"));
    }

    [Fact]
    public async Task MaxTokens_OpenAI_TruncatesTheReplyWithFinishReasonLength()
    {
        using var response = await PostAsync(_client, Path, """
            {"model":"gpt-4o","max_completion_tokens":5,"messages":[{"role":"user","content":"Write an essay"}]}
            """);

        using var json = await ReadJsonAsync(response);
        var choice = json.RootElement.GetProperty("choices")[0];
        Assert.Equal("length", String(choice, "finish_reason"));
        Assert.Equal(5, Words(String(choice.GetProperty("message"), "content")));
        Assert.Equal(5, Int(json.RootElement.GetProperty("usage"), "completion_tokens"));
    }

    [Theory]
    [InlineData("{not json", null)]
    [InlineData("[1,2]", null)]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"gpt-4o"}""", "messages")]
    [InlineData("""{"model":"gpt-4o","messages":[]}""", "messages")]
    [InlineData("""{"model":"gpt-4o","stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""", "stream_options")]
    public async Task BadRequest_OpenAI_Returns400InOpenAIErrorShape(string body, string? param)
    {
        using var response = await PostAsync(_client, Path, body);

        Assert.Equal(400, (int)response.StatusCode);
        using var json = await ReadJsonAsync(response);
        var error = json.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(String(error, "message")));
        Assert.Equal("invalid_request_error", String(error, "type"));
        if (param is null)
        {
            AssertNull(error, "param");
        }
        else
        {
            Assert.Equal(param, String(error, "param"));
        }

        Assert.True(error.TryGetProperty("code", out _));
    }

    [Fact]
    public async Task Errors_OpenAI_ErrorRateOneAnswersOpenAIShapedErrorsWithRetryAfterOn429()
    {
        using var rateLimited = await CollectErrorsUntilRateLimitedAsync(
            () => PostAsync(_client, "/sim/errors/v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"""),
            [429, 500, 503],
            (status, body) =>
            {
                var error = body.GetProperty("error");
                Assert.False(string.IsNullOrEmpty(String(error, "message")));
                Assert.Equal(status == 429 ? "requests" : "server_error", String(error, "type"));
                AssertNull(error, "param");
                Assert.True(error.TryGetProperty("code", out _));
            });

        Assert.Equal("1", rateLimited.Headers.GetValues("retry-after").Single());
        using var json = await ReadJsonAsync(rateLimited);
        Assert.Equal("rate_limit_exceeded", String(json.RootElement.GetProperty("error"), "code"));
    }

    [Fact]
    public async Task Stream_OpenAI_ChunksAreCompactSingleLineJson()
    {
        using var response = await PostAsync(_client, Path, """
            {"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Line one\nline two"}]}
            """);

        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("event:", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", body, StringComparison.Ordinal);
        Assert.StartsWith("data: {", body, StringComparison.Ordinal);
        Assert.All(SplitEvents(body, "\n\n"), e => Assert.DoesNotContain('\n', e));
    }
}
