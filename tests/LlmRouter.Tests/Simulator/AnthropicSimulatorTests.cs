using System.Text.Json;
using static LlmRouter.Tests.Simulator.SimulatorHttp;

namespace LlmRouter.Tests.Simulator;

public sealed class AnthropicSimulatorTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private const string Path = "/sim/claude/v1/messages";

    private const string WeatherTool = """
        [{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city","unit"]}}]
        """;

    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task NonStreaming_Anthropic_ReturnsMessageWireShape()
    {
        using var response = await PostAsync(_client, Path, """
            {"model":"claude-3-5-sonnet","max_tokens":1024,"system":"Be brief.","messages":[{"role":"user","content":[{"type":"text","text":"Explain routing"}]}]}
            """, AnthropicHeaders);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.StartsWith("req_", response.Headers.GetValues("request-id").Single(), StringComparison.Ordinal);
        using var json = await ReadJsonAsync(response);
        var root = json.RootElement;
        Assert.StartsWith("msg_", String(root, "id"), StringComparison.Ordinal);
        Assert.Equal("message", String(root, "type"));
        Assert.Equal("assistant", String(root, "role"));
        Assert.Equal("claude-3-5-sonnet", String(root, "model"));
        Assert.Equal("end_turn", String(root, "stop_reason"));
        AssertNull(root, "stop_sequence");
        var block = Assert.Single(root.GetProperty("content").EnumerateArray());
        Assert.Equal("text", String(block, "type"));
        var text = String(block, "text");
        Assert.StartsWith("[sim claude · claude-3-5-sonnet] ", text, StringComparison.Ordinal);
        Assert.Contains("Explain routing", text, StringComparison.Ordinal);

        var usage = root.GetProperty("usage");
        Assert.True(Int(usage, "input_tokens") > 0);
        Assert.Equal(Words(text), Int(usage, "output_tokens"));
        Assert.Equal(0, Int(usage, "cache_creation_input_tokens"));
        Assert.Equal(0, Int(usage, "cache_read_input_tokens"));
    }

    [Fact]
    public async Task Stream_Anthropic_EmitsEventsInWireOrder()
    {
        using var response = await PostAsync(_client, Path, """
            {"model":"claude-3-5-haiku","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"Stream please"}]}
            """, AnthropicHeaders);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = SplitEvents(await response.Content.ReadAsStringAsync(), "\n\n").Select(ParseEvent).ToList();
        var names = events.Select(e => e.Name).ToList();

        Assert.Equal(["message_start", "content_block_start", "ping"], names[..3]);
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], names[^3..]);
        Assert.All(names[3..^3], n => Assert.Equal("content_block_delta", n));
        Assert.NotEmpty(names[3..^3]);
        Assert.All(events, e => Assert.Equal(e.Name, String(e.Data, "type")));

        var message = events[0].Data.GetProperty("message");
        Assert.StartsWith("msg_", String(message, "id"), StringComparison.Ordinal);
        Assert.Empty(message.GetProperty("content").EnumerateArray());
        AssertNull(message, "stop_reason");
        var inputTokens = Int(message.GetProperty("usage"), "input_tokens");

        var blockStart = events[1].Data;
        Assert.Equal(0, Int(blockStart, "index"));
        Assert.Equal("text", String(blockStart.GetProperty("content_block"), "type"));
        Assert.Equal(string.Empty, String(blockStart.GetProperty("content_block"), "text"));

        var text = string.Concat(events[3..^3].Select(e =>
        {
            Assert.Equal(0, Int(e.Data, "index"));
            var delta = e.Data.GetProperty("delta");
            Assert.Equal("text_delta", String(delta, "type"));
            return String(delta, "text");
        }));
        Assert.StartsWith("[sim claude · claude-3-5-haiku] ", text, StringComparison.Ordinal);

        var messageDelta = events[^2].Data;
        Assert.Equal("end_turn", String(messageDelta.GetProperty("delta"), "stop_reason"));
        var usage = messageDelta.GetProperty("usage");
        Assert.Equal(Words(text), Int(usage, "output_tokens"));
        Assert.Equal(inputTokens, Int(usage, "input_tokens"));
    }

    [Fact]
    public async Task ToolCall_Anthropic_AnswersWithToolUseBlock()
    {
        using var response = await PostAsync(_client, Path, $$$"""
            {"model":"claude-3-5-sonnet","max_tokens":256,"tools":{{{WeatherTool}}},"messages":[{"role":"user","content":"Weather in Paris?"}]}
            """, AnthropicHeaders);

        using var json = await ReadJsonAsync(response);
        Assert.Equal("tool_use", String(json.RootElement, "stop_reason"));
        var block = Assert.Single(json.RootElement.GetProperty("content").EnumerateArray());
        Assert.Equal("tool_use", String(block, "type"));
        Assert.StartsWith("toolu_", String(block, "id"), StringComparison.Ordinal);
        Assert.Equal("get_weather", String(block, "name"));
        var input = block.GetProperty("input");
        Assert.Equal(JsonValueKind.Object, input.ValueKind);
        Assert.Equal("sim", String(input, "city"));
        Assert.Equal("celsius", String(input, "unit"));
    }

    [Fact]
    public async Task ToolCall_Anthropic_StreamsToolUseStartThenInputJsonDeltas()
    {
        using var response = await PostAsync(_client, Path, $$$"""
            {"model":"claude-3-5-sonnet","max_tokens":256,"stream":true,"tools":{{{WeatherTool}}},"messages":[{"role":"user","content":"Weather in Paris?"}]}
            """, AnthropicHeaders);

        var events = SplitEvents(await response.Content.ReadAsStringAsync(), "\n\n").Select(ParseEvent).ToList();
        var block = events[1].Data.GetProperty("content_block");
        Assert.Equal("tool_use", String(block, "type"));
        Assert.StartsWith("toolu_", String(block, "id"), StringComparison.Ordinal);
        Assert.Equal("get_weather", String(block, "name"));
        Assert.Empty(block.GetProperty("input").EnumerateObject());

        var fragments = events.Where(e => e.Name == "content_block_delta").Select(e =>
        {
            var delta = e.Data.GetProperty("delta");
            Assert.Equal("input_json_delta", String(delta, "type"));
            return String(delta, "partial_json");
        }).ToList();
        Assert.True(fragments.Count > 1);
        using var input = JsonDocument.Parse(string.Concat(fragments));
        Assert.Equal("sim", String(input.RootElement, "city"));
        Assert.Equal("tool_use", String(events[^2].Data.GetProperty("delta"), "stop_reason"));
        Assert.Equal("message_stop", events[^1].Name);
    }

    [Fact]
    public async Task ToolResult_Anthropic_AnswersWithTextMentioningTheResult()
    {
        using var response = await PostAsync(_client, Path, $$$"""
            {"model":"claude-3-5-sonnet","max_tokens":256,"tools":{{{WeatherTool}}},"messages":[
              {"role":"user","content":"Weather in Paris?"},
              {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris","unit":"celsius"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"18C and sunny"}]}]}]}
            """, AnthropicHeaders);

        using var json = await ReadJsonAsync(response);
        Assert.Equal("end_turn", String(json.RootElement, "stop_reason"));
        var block = Assert.Single(json.RootElement.GetProperty("content").EnumerateArray());
        Assert.Contains("18C and sunny", String(block, "text"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x-api-key")]
    [InlineData("anthropic-version")]
    public async Task MissingAuthHeader_Anthropic_Returns401AuthenticationError(string omitted)
    {
        using var response = await PostAsync(_client, Path, """
            {"model":"claude-3-5-sonnet","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}
            """, AnthropicHeaders.Where(h => h.Name != omitted).ToArray());

        Assert.Equal(401, (int)response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Equal("error", String(json.RootElement, "type"));
        Assert.Equal("authentication_error", String(json.RootElement.GetProperty("error"), "type"));
        Assert.Contains(omitted, String(json.RootElement.GetProperty("error"), "message"), StringComparison.Ordinal);
        Assert.StartsWith("req_", String(json.RootElement, "request_id"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":"claude-3-5-sonnet","messages":[{"role":"user","content":"hi"}]}""", "max_tokens")]
    [InlineData("""{"max_tokens":16,"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"claude-3-5-sonnet","max_tokens":16}""", "messages")]
    [InlineData("""{"model":""", "JSON")]
    public async Task BadRequest_Anthropic_Returns400InvalidRequestError(string body, string mentioned)
    {
        using var response = await PostAsync(_client, Path, body, AnthropicHeaders);

        Assert.Equal(400, (int)response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Equal("error", String(json.RootElement, "type"));
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", String(error, "type"));
        Assert.Contains(mentioned, String(error, "message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxTokens_Anthropic_TruncatesWithStopReasonMaxTokens()
    {
        using var response = await PostAsync(_client, Path, """
            {"model":"claude-3-5-sonnet","max_tokens":3,"messages":[{"role":"user","content":"Write an essay"}]}
            """, AnthropicHeaders);

        using var json = await ReadJsonAsync(response);
        Assert.Equal("max_tokens", String(json.RootElement, "stop_reason"));
        Assert.Equal(3, Int(json.RootElement.GetProperty("usage"), "output_tokens"));
    }

    [Fact]
    public async Task Errors_Anthropic_ErrorRateOneAnswersAnthropicShapedErrorsWithRetryAfterOn429()
    {
        using var rateLimited = await CollectErrorsUntilRateLimitedAsync(
            () => PostAsync(_client, "/sim/errors/v1/messages", """{"model":"claude","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}""", AnthropicHeaders),
            [429, 500, 529],
            (status, body) =>
            {
                Assert.Equal("error", String(body, "type"));
                var expected = status switch { 429 => "rate_limit_error", 529 => "overloaded_error", _ => "api_error" };
                Assert.Equal(expected, String(body.GetProperty("error"), "type"));
                Assert.False(string.IsNullOrEmpty(String(body.GetProperty("error"), "message")));
                Assert.StartsWith("req_", String(body, "request_id"), StringComparison.Ordinal);
            });

        Assert.Equal("1", rateLimited.Headers.GetValues("retry-after").Single());
    }

    private static (string Name, JsonElement Data) ParseEvent(string block)
    {
        var lines = block.Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("event: ", lines[0], StringComparison.Ordinal);
        return (lines[0]["event: ".Length..], Data(lines[1]));
    }
}
