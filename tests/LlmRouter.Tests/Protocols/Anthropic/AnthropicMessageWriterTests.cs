using System.Text;
using System.Text.Json;
using LlmRouter.Protocols.Anthropic;
using LlmRouter.Providers;

namespace LlmRouter.Tests.Protocols.Anthropic;

public sealed class AnthropicMessageWriterTests
{
    [Fact]
    public void Write_TextAndToolCalls_BecomeContentBlocks()
    {
        var completion = Completion("""
            {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Let me check.",
              "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                            {"id":"call_2","type":"function","function":{"name":"get_time","arguments":"not json"}}]},"finish_reason":"tool_calls"}]}
            """, new TokenUsage(40, 12, 52, CachedTokens: 8), "tool_calls");

        using var message = JsonDocument.Parse(AnthropicMessageWriter.Write(completion, "fallback").Body);

        var root = message.RootElement;
        Assert.Equal("message", root.GetProperty("type").GetString());
        Assert.Equal("assistant", root.GetProperty("role").GetString());
        Assert.StartsWith("msg_", root.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("gpt-4o", root.GetProperty("model").GetString());
        Assert.Equal("tool_use", root.GetProperty("stop_reason").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("stop_sequence").ValueKind);
        var content = root.GetProperty("content");
        Assert.Equal("Let me check.", content[0].GetProperty("text").GetString());
        Assert.Equal("call_1", content[1].GetProperty("id").GetString());
        Assert.Equal("Paris", content[1].GetProperty("input").GetProperty("city").GetString());
        Assert.Equal(JsonValueKind.Object, content[2].GetProperty("input").ValueKind);
        var usage = root.GetProperty("usage");
        Assert.Equal(32, usage.GetProperty("input_tokens").GetInt32());
        Assert.Equal(8, usage.GetProperty("cache_read_input_tokens").GetInt32());
        Assert.Equal(12, usage.GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public void Write_NoContent_IsAnEmptyContentArrayWithUsage()
    {
        var completion = Completion("""{"choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":"stop"}]}""", null, null);

        using var message = JsonDocument.Parse(AnthropicMessageWriter.Write(completion, "claude").Body);

        Assert.Equal(0, message.RootElement.GetProperty("content").GetArrayLength());
        Assert.Equal("claude", message.RootElement.GetProperty("model").GetString());
        Assert.Equal(0, message.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Theory]
    [InlineData("""{"choices":[1]}""")]
    [InlineData("""{"choices":[{"message":{"content":"x","tool_calls":[1,{"function":{"name":5}}]}}]}""")]
    [InlineData("[]")]
    public void Write_UnexpectedShape_IsAJsonException(string json)
        => Assert.ThrowsAny<JsonException>(() => AnthropicMessageWriter.Write(Completion(json, null, null), "m"));

    [Theory]
    [InlineData("stop", "end_turn")]
    [InlineData("length", "max_tokens")]
    [InlineData("tool_calls", "tool_use")]
    [InlineData("function_call", "tool_use")]
    [InlineData("content_filter", "refusal")]
    [InlineData(null, "end_turn")]
    public void ToStopReason_MapsOpenAIFinishReasons(string? finish, string stop)
        => Assert.Equal(stop, AnthropicMessageWriter.ToStopReason(finish));

    private static TranslatedResponse Completion(string json, TokenUsage? usage, string? finish)
        => new(Encoding.UTF8.GetBytes(json), usage, usage is null ? null : "gpt-4o", finish);
}
