using System.Text;
using System.Text.Json;
using LlmRouter.Providers.Gemini;

namespace LlmRouter.Tests.Providers.Gemini;

public sealed class GeminiResponseTranslatorTests
{
    [Fact]
    public void Translate_TextResponse_BuildsChatCompletionWithUsage()
    {
        using var body = GeminiTestData.TranslateResponse("""
            {"candidates":[{"content":{"role":"model","parts":[{"text":"It is "},{"text":"18C."}]},"finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":220,"candidatesTokenCount":5,"thoughtsTokenCount":185,"totalTokenCount":410,"cachedContentTokenCount":64},
             "modelVersion":"gemini-2.5-flash-001","responseId":"abc123"}
            """);

        var root = body.RootElement;
        Assert.Equal("chatcmpl-abc123", root.GetProperty("id").GetString());
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.Equal("gemini-2.5-flash-001", root.GetProperty("model").GetString());
        var choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("It is 18C.", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.False(choice.GetProperty("message").TryGetProperty("tool_calls", out _));
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        var usage = root.GetProperty("usage");
        Assert.Equal(220, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(190, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(410, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(64, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(185, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
    }

    [Fact]
    public void Translate_ReportsUsageModelAndFinishReasonToTheCaller()
    {
        using var request = GeminiTestData.Request("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""");
        var adapter = new GeminiAdapter(new ThoughtSignatureStore());

        var translated = adapter.TranslateResponse(Encoding.UTF8.GetBytes("""
            {"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"MAX_TOKENS"}],
             "usageMetadata":{"promptTokenCount":10,"toolUsePromptTokenCount":4,"candidatesTokenCount":3,"totalTokenCount":17}}
            """), request, GeminiTestData.Deployment());

        Assert.Equal(new LlmRouter.Providers.TokenUsage(14, 3, 17), translated.Usage);
        Assert.Equal("gemini-2.5-flash", translated.ResponseModel);
        Assert.Equal("length", translated.FinishReason);
    }

    [Fact]
    public void Translate_MissingResponseIdAndModel_SynthesisesIdAndUsesDeploymentModel()
    {
        using var body = GeminiTestData.TranslateResponse("""{"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}]}""");

        var id = body.RootElement.GetProperty("id").GetString()!;
        Assert.StartsWith("chatcmpl-", id);
        Assert.True(id.Length > "chatcmpl-".Length);
        Assert.Equal("gemini-2.5-flash", body.RootElement.GetProperty("model").GetString());
        Assert.False(body.RootElement.TryGetProperty("usage", out _));
    }

    [Fact]
    public void Translate_FunctionCalls_BecomeToolCallsWithSynthesisedIds()
    {
        using var body = GeminiTestData.TranslateResponse("""
            {"candidates":[{"content":{"role":"model","parts":[
               {"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},
               {"functionCall":{"name":"get_time","args":{"tz":"CET"}}}]},"finishReason":"STOP"}]}
            """);

        var choice = body.RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
        var calls = message.GetProperty("tool_calls").EnumerateArray().ToList();
        Assert.Equal(2, calls.Count);
        var ids = calls.Select(c => c.GetProperty("id").GetString()!).ToList();
        Assert.All(ids, id => Assert.StartsWith("call_", id));
        Assert.NotEqual(ids[0], ids[1]);
        Assert.All(calls, c => Assert.Equal("function", c.GetProperty("type").GetString()));
        Assert.Equal("get_weather", calls[0].GetProperty("function").GetProperty("name").GetString());
        using var weatherArgs = JsonDocument.Parse(calls[0].GetProperty("function").GetProperty("arguments").GetString()!);
        Assert.Equal("Paris", weatherArgs.RootElement.GetProperty("city").GetString());
        using var timeArgs = JsonDocument.Parse(calls[1].GetProperty("function").GetProperty("arguments").GetString()!);
        Assert.Equal("CET", timeArgs.RootElement.GetProperty("tz").GetString());
    }

    [Fact]
    public void Translate_FunctionCallWithoutArgs_HasEmptyObjectArguments()
    {
        using var body = GeminiTestData.TranslateResponse("""{"candidates":[{"content":{"parts":[{"functionCall":{"name":"ping"}}]},"finishReason":"STOP"}]}""");

        var call = body.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0];
        Assert.Equal("{}", call.GetProperty("function").GetProperty("arguments").GetString());
    }

    [Fact]
    public void Translate_ThoughtParts_AreLeftOutOfContent()
    {
        using var body = GeminiTestData.TranslateResponse("""
            {"candidates":[{"content":{"parts":[{"text":"Let me think","thought":true},{"text":"Answer"}]},"finishReason":"STOP"}]}
            """);

        Assert.Equal("Answer", body.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public void Translate_SeveralCandidates_GiveOneChoicePerCandidateIndex()
    {
        using var body = GeminiTestData.TranslateResponse("""
            {"candidates":[
              {"content":{"parts":[{"text":"first"}]},"finishReason":"STOP"},
              {"content":{"parts":[{"text":"second"}]},"finishReason":"MAX_TOKENS","index":1}]}
            """);

        var choices = body.RootElement.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(["first", "second"], choices.Select(c => c.GetProperty("message").GetProperty("content").GetString()));
        Assert.Equal(["stop", "length"], choices.Select(c => c.GetProperty("finish_reason").GetString()));
    }

    [Theory]
    [InlineData("STOP", "stop")]
    [InlineData("FINISH_REASON_UNSPECIFIED", "stop")]
    [InlineData("MAX_TOKENS", "length")]
    [InlineData("SAFETY", "content_filter")]
    [InlineData("RECITATION", "content_filter")]
    [InlineData("OTHER", "content_filter")]
    [InlineData("BLOCKLIST", "content_filter")]
    [InlineData("PROHIBITED_CONTENT", "content_filter")]
    [InlineData("SPII", "content_filter")]
    [InlineData("LANGUAGE", "content_filter")]
    [InlineData("IMAGE_SAFETY", "content_filter")]
    [InlineData("MALFORMED_FUNCTION_CALL", "stop")]
    [InlineData("UNEXPECTED_TOOL_CALL", "stop")]
    [InlineData("TOO_MANY_TOOL_CALLS", "stop")]
    [InlineData("SOMETHING_NEW", "stop")]
    public void Translate_FinishReason_MapsToOpenAISet(string geminiReason, string expected)
    {
        using var body = GeminiTestData.TranslateResponse($$"""{"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"{{geminiReason}}"}]}""");

        Assert.Equal(expected, body.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public void Translate_BlockedPrompt_ReturnsFilteredChoiceWithNullContent()
    {
        using var body = GeminiTestData.TranslateResponse("""
            {"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8}}
            """);

        var choice = Assert.Single(body.RootElement.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("message").GetProperty("content").ValueKind);
        Assert.Equal("content_filter", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(8, body.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public void Translate_SafetyStopWithoutContent_HasNullContent()
    {
        using var body = GeminiTestData.TranslateResponse("""{"candidates":[{"finishReason":"SAFETY","index":0}]}""");

        var choice = body.RootElement.GetProperty("choices")[0];
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("message").GetProperty("content").ValueKind);
        Assert.Equal("content_filter", choice.GetProperty("finish_reason").GetString());
    }

    [Fact]
    public void Translate_QuotesHtmlCharactersAndNonAscii_AreWrittenUnescaped()
    {
        using var body = GeminiTestData.TranslateResponse("""
            {"candidates":[{"content":{"role":"model","parts":[{"text":"Grüße \"hi\" <b> & 'x' 日本"},{"functionCall":{"name":"f","args":{"city":"Zürich"}}}]},"finishReason":"STOP","index":0}]}
            """);

        var message = body.RootElement.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal("\"Grüße \\\"hi\\\" <b> & 'x' 日本\"", message.GetProperty("content").GetRawText());
        Assert.Equal("\"{\\\"city\\\":\\\"Zürich\\\"}\"", message.GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetRawText());
    }
}
