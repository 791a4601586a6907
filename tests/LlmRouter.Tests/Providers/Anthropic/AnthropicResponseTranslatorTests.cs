using System.Text;
using System.Text.Json;
using static LlmRouter.Tests.Providers.Anthropic.AnthropicTestData;

namespace LlmRouter.Tests.Providers.Anthropic;

public sealed class AnthropicResponseTranslatorTests
{
    private const string PlainRequest = """{"model":"m","messages":[{"role":"user","content":"Hi"}]}""";

    private static (JsonElement Body, LlmRouter.Providers.TranslatedResponse Result) Translate(string upstream, string request = PlainRequest)
    {
        using var chatRequest = Request(request);
        var result = Adapter().TranslateResponse(Encoding.UTF8.GetBytes(upstream), chatRequest, Deployment());
        using var document = JsonDocument.Parse(result.Body);
        return (document.RootElement.Clone(), result);
    }

    [Fact]
    public void Translate_TextAndToolUse_BecomesContentAndToolCalls()
    {
        var (body, result) = Translate("""
            {"id":"msg_01AbC","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
             "content":[{"type":"text","text":"Let me check."},{"type":"tool_use","id":"toolu_01XyZ","name":"get_weather","input":{"city":"Paris"}}],
             "stop_reason":"tool_use","stop_sequence":null,
             "usage":{"input_tokens":25,"output_tokens":40,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}
            """);

        Assert.Equal("msg_01AbC", body.GetProperty("id").GetString());
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.Equal(Now.ToUnixTimeSeconds(), body.GetProperty("created").GetInt64());
        Assert.Equal("claude-sonnet-4-5-20250929", body.GetProperty("model").GetString());
        var choice = Assert.Single(body.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Equal("Let me check.", message.GetProperty("content").GetString());
        var call = Assert.Single(message.GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("toolu_01XyZ", call.GetProperty("id").GetString());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        using var arguments = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!);
        Assert.Equal("Paris", arguments.RootElement.GetProperty("city").GetString());
        Assert.Equal(65, body.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal("tool_calls", result.FinishReason);
        Assert.Equal("claude-sonnet-4-5-20250929", result.ResponseModel);
    }

    [Fact]
    public void Translate_OnlyToolUse_ContentIsNull()
    {
        var (body, _) = Translate("""
            {"id":"msg_1","model":"c","content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{}}],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":1}}
            """);

        var message = body.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
        Assert.Equal("{}", message.GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetString());
    }

    [Fact]
    public void Translate_SeveralTextBlocksAndThinking_JoinsTextOnly()
    {
        var (body, _) = Translate("""
            {"id":"msg_1","model":"c","content":[{"type":"thinking","thinking":"hmm","signature":"s"},{"type":"text","text":"café "},{"type":"text","text":"😀"}],
             "stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}
            """);

        var message = body.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal("café 😀", message.GetProperty("content").GetString());
        Assert.False(message.TryGetProperty("tool_calls", out _));
    }

    [Fact]
    public void Translate_EscapedSingleText_KeptExactly()
    {
        var (body, _) = Translate("""
            {"id":"msg_1","model":"c","content":[{"type":"text","text":"line1\nline2 \"q\" \u00e9"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}
            """);

        Assert.Equal("line1\nline2 \"q\" é", body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("pause_turn", "stop")]
    [InlineData("refusal", "content_filter")]
    [InlineData("model_context_window_exceeded", "length")]
    [InlineData("something_new", "stop")]
    public void Translate_StopReason_MapsToFinishReason(string stopReason, string expected)
    {
        var (body, result) = Translate($$$"""
            {"id":"msg_1","model":"c","content":[{"type":"text","text":"x"}],"stop_reason":"{{{stopReason}}}","usage":{"input_tokens":1,"output_tokens":1}}
            """);

        Assert.Equal(expected, body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(expected, result.FinishReason);
    }

    [Fact]
    public void Translate_NullStopReason_IsStop()
    {
        var (body, _) = Translate("""{"id":"msg_1","model":"c","content":[],"stop_reason":null}""");

        Assert.Equal("stop", body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.False(body.TryGetProperty("usage", out _));
    }

    [Fact]
    public void Translate_CacheUsage_AddsCacheToPromptAndReportsCachedReads()
    {
        var (body, result) = Translate("""
            {"id":"msg_1","model":"c","content":[{"type":"text","text":"x"}],"stop_reason":"end_turn",
             "usage":{"input_tokens":25,"output_tokens":7,"cache_read_input_tokens":100,"cache_creation_input_tokens":10}}
            """);

        var usage = body.GetProperty("usage");
        Assert.Equal(135, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(7, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(142, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(100, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(new LlmRouter.Providers.TokenUsage(135, 7, 142, 100), result.Usage);
    }

    [Fact]
    public void Translate_MissingIdAndModel_SynthesizesIdAndUsesDeploymentModel()
    {
        var (body, _) = Translate("""{"content":[{"type":"text","text":"x"}],"stop_reason":"end_turn"}""");

        Assert.StartsWith("chatcmpl-", body.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("claude-sonnet-4-5", body.GetProperty("model").GetString());
    }

    [Fact]
    public void Translate_JsonToolInJsonMode_BecomesContentWithStop()
    {
        var (body, result) = Translate(
            """
            {"id":"msg_1","model":"c","content":[{"type":"text","text":"Here you go"},{"type":"tool_use","id":"toolu_1","name":"json_tool_call","input":{"a":1,"b":"x"}}],
             "stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":1}}
            """,
            """{"model":"m","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_object"}}""");

        var choice = body.GetProperty("choices")[0];
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.False(choice.GetProperty("message").TryGetProperty("tool_calls", out _));
        using var content = JsonDocument.Parse(choice.GetProperty("message").GetProperty("content").GetString()!);
        Assert.Equal(1, content.RootElement.GetProperty("a").GetInt32());
        Assert.Equal("x", content.RootElement.GetProperty("b").GetString());
        Assert.Equal("stop", result.FinishReason);
    }

    [Fact]
    public void Translate_JsonToolNameWithoutJsonMode_StaysAToolCall()
    {
        var (body, _) = Translate("""
            {"id":"msg_1","model":"c","content":[{"type":"tool_use","id":"toolu_1","name":"json_tool_call","input":{}}],"stop_reason":"tool_use"}
            """);

        var choice = body.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        Assert.Single(choice.GetProperty("message").GetProperty("tool_calls").EnumerateArray());
    }

    [Fact]
    public void Translate_QuotesHtmlCharactersAndNonAscii_AreWrittenUnescaped()
    {
        var (body, _) = Translate("""
            {"id":"msg_1","model":"c","content":[{"type":"text","text":"Grüße \"hi\" <b> & 'x' 日本"},{"type":"tool_use","id":"toolu_1","name":"f","input":{"city":"Zürich"}}],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":1}}
            """);

        var message = body.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal("\"Grüße \\\"hi\\\" <b> & 'x' 日本\"", message.GetProperty("content").GetRawText());
        Assert.Equal("\"{\\\"city\\\":\\\"Zürich\\\"}\"", message.GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetRawText());
    }
}
