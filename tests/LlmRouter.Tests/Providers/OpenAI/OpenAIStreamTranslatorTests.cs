using System.Text;
using System.Text.Json;
using LlmRouter.Providers.OpenAI;
using static LlmRouter.Tests.Providers.OpenAI.OpenAITestData;

namespace LlmRouter.Tests.Providers.OpenAI;

public sealed class OpenAIStreamTranslatorTests
{
    private const string Role = """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}""";
    private const string Hel = """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null}],"usage":null}""";
    private const string Finish = """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}""";
    private const string UsageChunk = """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":1}}}""";

    private static readonly string Upstream = Events(Role, Hel, Finish, UsageChunk, "[DONE]");

    private static string Events(params string[] data) => string.Concat(data.Select(d => $"data: {d}\n\n"));

    [Fact]
    public void Translate_ClientAskedForUsage_PassesEveryEventThroughUnchanged()
    {
        using var translator = Translator(includeUsage: true);

        var output = Run(translator, Upstream);

        Assert.Equal(Upstream, output);
        Assert.Equal(new LlmRouter.Providers.TokenUsage(9, 2, 11, 4, 1), translator.Usage);
        Assert.Equal("stop", translator.FinishReason);
        Assert.Equal("gpt-4o-2024-08-06", translator.ResponseModel);
        Assert.Null(translator.Error);
    }

    [Fact]
    public void Translate_ClientDidNotAskForUsage_DropsUsageChunkButStillRecordsUsage()
    {
        using var translator = Translator(includeUsage: false);

        var output = Run(translator, Upstream);

        Assert.Equal(Events(Role, Hel, Finish, "[DONE]"), output);
        Assert.Equal(11, translator.Usage?.TotalTokens);
    }

    [Fact]
    public void Translate_CrlfFraming_IsReframedWithLf()
    {
        using var translator = Translator(includeUsage: true);

        var output = Run(translator, Upstream.Replace("\n", "\r\n", StringComparison.Ordinal));

        Assert.Equal(Upstream, output);
    }

    [Fact]
    public void Translate_RandomSplits_GiveIdenticalOutput()
    {
        var upstream = Encoding.UTF8.GetBytes(
            Events(Role, Hel.Replace("Hel", "café 😀", StringComparison.Ordinal), Finish, UsageChunk, "[DONE]").Replace("\n", "\r\n", StringComparison.Ordinal));
        string expected;
        using (var whole = Translator(includeUsage: false))
        {
            expected = Run(whole, [upstream]);
        }

        Assert.Contains("café 😀", expected, StringComparison.Ordinal);
        var random = new Random(20261127);
        for (var round = 0; round < 200; round++)
        {
            var pieces = new List<byte[]>();
            var position = 0;
            while (position < upstream.Length)
            {
                var size = Math.Min(random.Next(1, 40), upstream.Length - position);
                pieces.Add(upstream[position..(position + size)]);
                position += size;
            }

            using var translator = Translator(includeUsage: false);
            Assert.Equal(expected, Run(translator, pieces.ToArray()));
            Assert.Equal(11, translator.Usage?.TotalTokens);
        }
    }

    [Fact]
    public void Complete_EndWithoutDoneOrFinish_WritesTruncationErrorAndEndsWithoutDone()
    {
        using var translator = Translator();

        var output = Run(translator, Events(Role, Hel));

        Assert.Equal(
            Events(Role, Hel) + """data: {"error":{"message":"The upstream stream ended before the response was complete.","type":"server_error","param":null,"code":"stream_truncated"}}""" + "\n\n",
            output);
        Assert.Equal("stream_truncated", translator.Error?.Code);
    }

    [Fact]
    public void Complete_EventCutMidJson_IsReportedAsTruncationAndEndsWithoutDone()
    {
        using var translator = Translator();

        var output = Run(translator, Events(Role) + "data: {\"id\":\"chatcmpl-1\",\"choi");

        Assert.Equal(
            Events(Role) + """data: {"error":{"message":"The upstream stream ended before the response was complete.","type":"server_error","param":null,"code":"stream_truncated"}}""" + "\n\n",
            output);
        Assert.Equal("stream_truncated", translator.Error?.Code);
    }

    [Fact]
    public void Complete_EndAfterFinishWithoutDone_EndsNormally()
    {
        using var translator = Translator();

        var output = Run(translator, Events(Role, Hel, Finish));

        Assert.Equal(Events(Role, Hel, Finish, "[DONE]"), output);
        Assert.Null(translator.Error);
    }

    [Fact]
    public void Complete_TwoChoicesOnlyOneFinished_IsTruncation()
    {
        using var translator = Translator(n: 2);

        var output = Run(translator, Events(Role, Finish));

        Assert.EndsWith("\"code\":\"stream_truncated\"}}\n\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", output, StringComparison.Ordinal);
        Assert.Equal("stream_truncated", translator.Error?.Code);
    }

    [Fact]
    public void Translate_MidStreamErrorEvent_IsForwardedAndEndsWithoutDoneAndLaterInputIgnored()
    {
        const string error = """{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}""";
        using var translator = Translator();

        var output = Run(translator, Events(Role, Hel, error, Finish, "[DONE]"));

        Assert.Equal(Events(Role, Hel, error), output);
        Assert.Equal("server_error", translator.Error?.Type);
        Assert.Equal(500, translator.Error?.StatusCode);
        Assert.Null(translator.FinishReason);
    }

    [Fact]
    public void Translate_RateLimitErrorEvent_MapsToRetryable429()
    {
        using var translator = Translator();

        var output = Run(translator, Events(Role, """{"error":{"message":"Slow down","type":"requests","code":"rate_limit_exceeded"}}"""));

        Assert.Equal(Events(Role, """{"error":{"message":"Slow down","type":"requests","code":"rate_limit_exceeded"}}"""), output);
        Assert.Equal(429, translator.Error?.StatusCode);
        Assert.Equal("rate_limit_exceeded", translator.Error?.Code);
    }

    [Fact]
    public void Translate_ArrayWrappedErrorEvent_BecomesOpenAIErrorEvent()
    {
        using var translator = Translator();

        var output = Run(translator, Events(Role, """[{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}]"""));

        Assert.Equal(
            Events(Role, """{"error":{"message":"Request contains an invalid argument.","type":"server_error","param":null,"code":null}}"""),
            output);
        Assert.Equal("Request contains an invalid argument.", translator.Error?.Message);
    }

    [Fact]
    public void Translate_RawJsonErrorLine_EndsStreamWithErrorEventWithoutDone()
    {
        using var translator = Translator();

        var output = Run(translator, Events(Role) + "{\"error\":{\"message\":\"quota\",\"type\":\"insufficient_quota\"}}\n");

        Assert.Equal(Events(Role, """{"error":{"message":"quota","type":"insufficient_quota","param":null,"code":null}}"""), output);
        Assert.Equal("insufficient_quota", translator.Error?.Type);
        Assert.False(translator.Error?.IsRetryable);
    }

    [Fact]
    public void Translate_InvalidJsonEvent_EndsWithErrorEventWithoutDone()
    {
        using var translator = Translator();

        var output = Run(translator, Events(Role, "{not json}", Finish));

        Assert.StartsWith(Events(Role) + "data: {\"error\":", output, StringComparison.Ordinal);
        Assert.EndsWith("\"code\":\"invalid_upstream_event\"}}\n\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("finish_reason\":\"stop", output, StringComparison.Ordinal);
        Assert.Equal("invalid_upstream_event", translator.Error?.Code);
    }

    [Fact]
    public void Translate_CommentsAndEmptyEvents_AreDropped()
    {
        using var translator = Translator();

        var output = Run(translator, ": OPENROUTER PROCESSING\n\n" + Events(Role) + ":\n\n" + Events(Finish, "[DONE]"));

        Assert.Equal(Events(Role, Finish, "[DONE]"), output);
    }

    [Fact]
    public void Translate_MultiLineData_IsJoinedOntoOneLine()
    {
        using var translator = Translator();

        var output = Run(translator, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\n" + "data: \"finish_reason\":\"stop\"}]}\n\n" + Events("[DONE]"));

        Assert.Equal("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}, \"finish_reason\":\"stop\"}]}\n\n" + Events("[DONE]"), output);
        Assert.Equal("stop", translator.FinishReason);
    }

    [Fact]
    public void Translate_EmptyChoicesUsageChunkWithoutUsageRequest_DoesNotCrashAndEndsCleanly()
    {
        using var translator = Translator();

        var output = Run(translator, Events("""{"id":"x","choices":[],"usage":null}""", Finish, "[DONE]"));

        Assert.Equal(Events("""{"id":"x","choices":[],"usage":null}""", Finish, "[DONE]"), output);
    }

    [Fact]
    public void Translate_GeminiCompatToolCallsWithoutIndex_GetRunningIndexAndToolCallsFinish()
    {
        const string calls = """{"choices":[{"delta":{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"b","type":"function","function":{"name":"get_time","arguments":"{}"}}]},"index":0}]}""";
        const string more = """{"choices":[{"delta":{"tool_calls":[{}]},"index":0}]}""";
        const string stop = """{"choices":[{"delta":{},"finish_reason":"stop","index":0}]}""";
        using var translator = Translator();

        var output = Run(translator, Events(calls, more, stop, "[DONE]"));

        Assert.Equal(
            Events(
                calls.Replace("[{\"id\":\"a\"", "[{\"index\":0,\"id\":\"a\"", StringComparison.Ordinal).Replace("{\"id\":\"b\"", "{\"index\":1,\"id\":\"b\"", StringComparison.Ordinal),
                """{"choices":[{"delta":{"tool_calls":[{"index":2}]},"index":0}]}""",
                stop.Replace("\"stop\"", "\"tool_calls\"", StringComparison.Ordinal),
                "[DONE]"),
            output);
        Assert.Equal("tool_calls", translator.FinishReason);
    }

    [Fact]
    public void Translate_OpenAIToolCallsWithIndex_AreUntouched()
    {
        const string first = """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}]}""";
        const string args = """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]},"finish_reason":null}]}""";
        const string finish = """{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""";
        using var translator = Translator();

        var output = Run(translator, Events(first, args, finish, "[DONE]"));

        Assert.Equal(Events(first, args, finish, "[DONE]"), output);
        Assert.Equal("tool_calls", translator.FinishReason);
    }

    [Fact]
    public void Translate_StopWithoutToolCalls_StaysStop()
    {
        using var translator = Translator();

        var output = Run(translator, Events(Hel, Finish, "[DONE]"));

        Assert.Contains("\"finish_reason\":\"stop\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("tool_calls", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_CumulativeUsageOnEveryChunk_KeepsLatestNotSum()
    {
        using var translator = Translator(includeUsage: true);

        Run(
            translator,
            Events(
                """{"choices":[{"index":0,"delta":{"content":"a"}}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}""",
                """{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}""",
                "[DONE]"));

        Assert.Equal(new LlmRouter.Providers.TokenUsage(5, 3, 8), translator.Usage);
    }

    [Fact]
    public void Fail_AfterSomeOutput_WritesErrorEventOnceWithoutDoneAndIgnoresLaterInput()
    {
        using var translator = Translator();
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        translator.Translate(Encoding.UTF8.GetBytes(Events(Role)), output);

        translator.Fail(output, "Upstream idle timeout.", "server_error", "timeout");
        translator.Translate(Encoding.UTF8.GetBytes(Events(Hel)), output);
        translator.Complete(output);

        Assert.Equal(
            Events(Role) + """data: {"error":{"message":"Upstream idle timeout.","type":"server_error","param":null,"code":"timeout"}}""" + "\n\n",
            Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(502, translator.Error?.StatusCode);
    }

    [Fact]
    public void Translate_EveryOutputEvent_IsOneLineOfValidJson()
    {
        using var translator = Translator(includeUsage: true);

        var output = Run(translator, Upstream);

        foreach (var line in output.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.StartsWith("data: ", line, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', line);
            if (line != "data: [DONE]")
            {
                using var document = JsonDocument.Parse(line["data: ".Length..]);
            }
        }
    }
}
