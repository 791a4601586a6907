using System.Text;
using System.Text.Json;
using static LlmRouter.Tests.Providers.Gemini.GeminiTestData;

namespace LlmRouter.Tests.Providers.Gemini;

public sealed class GeminiStreamTranslatorTests
{
    [Fact]
    public void Translate_TextThenFunctionCall_EmitsRoleContentToolCallAndToolCallsFinish()
    {
        var output = RunStream(
            Event("""{"candidates":[{"content":{"role":"model","parts":[{"text":"One sec"}]},"index":0}],"modelVersion":"gemini-2.5-flash"}""")
            + Event("""{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":5,"totalTokenCount":14}}"""));

        Assert.True(output.EndsWithDone);
        Assert.Equal(4, output.Events.Count);
        Assert.Equal("assistant", output.Delta(0).GetProperty("role").GetString());
        Assert.Equal("One sec", output.Delta(1).GetProperty("content").GetString());
        var call = Assert.Single(output.Delta(2).GetProperty("tool_calls").EnumerateArray());
        Assert.Equal(0, call.GetProperty("index").GetInt32());
        Assert.StartsWith("call_", call.GetProperty("id").GetString());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("""{"city":"Paris"}""", call.GetProperty("function").GetProperty("arguments").GetString());
        Assert.Equal("tool_calls", output.Finish(3));
        Assert.Equal("tool_calls", output.FinishReason);
        Assert.All(output.Events, e => Assert.False(e.TryGetProperty("usage", out _)));
        Assert.All(output.Events, e => Assert.Equal(ChunkId, e.GetProperty("id").GetString()));
        Assert.All(output.Events, e => Assert.Equal(Created, e.GetProperty("created").GetInt64()));
        Assert.All(output.Events, e => Assert.Equal("chat.completion.chunk", e.GetProperty("object").GetString()));
        Assert.Equal(new LlmRouter.Providers.TokenUsage(9, 5, 14), output.Usage);
        Assert.Null(output.Error);
    }

    [Fact]
    public void Translate_SeveralFunctionCalls_NumberToolIndexesPerChoice()
    {
        var output = RunStream(
            Event("""{"candidates":[{"content":{"parts":[{"functionCall":{"name":"a","args":{}}},{"functionCall":{"name":"b"}}]}}]}""")
            + Event("""{"candidates":[{"content":{"parts":[{"functionCall":{"name":"c","args":{"x":1}}}]},"finishReason":"STOP"}]}"""));

        var calls = output.Events.Skip(1).Take(3).Select(e => e.GetProperty("choices")[0].GetProperty("delta").GetProperty("tool_calls")[0]).ToList();
        Assert.Equal([0, 1, 2], calls.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(["a", "b", "c"], calls.Select(c => c.GetProperty("function").GetProperty("name").GetString()));
        Assert.Equal(["{}", "{}", """{"x":1}"""], calls.Select(c => c.GetProperty("function").GetProperty("arguments").GetString()));
        Assert.Equal(3, calls.Select(c => c.GetProperty("id").GetString()).Distinct().Count());
        Assert.Equal("tool_calls", output.Finish(4));
    }

    [Fact]
    public void Translate_CumulativeUsage_ReportsLatestNotSum()
    {
        var output = RunStream(
            Event("""{"candidates":[{"content":{"parts":[{"text":"a"}]}}],"usageMetadata":{"promptTokenCount":50,"candidatesTokenCount":3,"totalTokenCount":53}}""")
            + Event("""{"candidates":[{"content":{"parts":[{"text":"b"}]}}],"usageMetadata":{"promptTokenCount":50,"candidatesTokenCount":9,"totalTokenCount":59}}""")
            + Event("""{"candidates":[{"content":{"parts":[{"text":"c"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":50,"candidatesTokenCount":12,"thoughtsTokenCount":30,"totalTokenCount":92}}"""),
            includeUsage: true);

        Assert.True(output.EndsWithDone);
        var last = output.Events[^1];
        Assert.Equal(0, last.GetProperty("choices").GetArrayLength());
        var usage = last.GetProperty("usage");
        Assert.Equal(50, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(42, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(92, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(30, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        Assert.Equal("stop", output.Finish(output.Events.Count - 2));
        Assert.All(output.Events.SkipLast(1), e => Assert.Equal(JsonValueKind.Null, e.GetProperty("usage").ValueKind));
        Assert.Single(output.Events, e => e.GetProperty("usage").ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public void Translate_BlockedPrompt_EmitsRoleAndContentFilterFinish()
    {
        var output = RunStream(Event("""{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7}}"""));

        Assert.True(output.EndsWithDone);
        Assert.Equal(2, output.Events.Count);
        Assert.Equal("assistant", output.Delta(0).GetProperty("role").GetString());
        Assert.Equal("content_filter", output.Finish(1));
        Assert.Equal("content_filter", output.FinishReason);
        Assert.Null(output.Error);
    }

    [Fact]
    public void Translate_SplitUnicodeAndSplitCrlfSeparator_DeliversTextIntact()
    {
        var first = Encoding.UTF8.GetBytes(Event("""{"candidates":[{"content":{"parts":[{"text":"café 😀"}]}}]}"""));
        var second = Encoding.UTF8.GetBytes(Event("""{"candidates":[{"content":{"parts":[{"text":"!"}]},"finishReason":"STOP"}]}"""));
        var eAcute = IndexOf(first, [0xC3, 0xA9]);
        var emoji = IndexOf(first, [0xF0, 0x9F, 0x98, 0x80]);
        var separator = first.Length - 4;
        var reads = new List<byte[]>
        {
            first[..(eAcute + 1)],                     // ... C3 |
            first[(eAcute + 1)..(emoji + 2)],          // A9 ... F0 9F |
            first[(emoji + 2)..(emoji + 3)],           // 98 |
            first[(emoji + 3)..(separator + 3)],       // 80 ... \r\n\r |
            first[(separator + 3)..],                  // \n
            second,
        };

        using var translator = StreamTranslator();
        var bytes = RunStream(translator, reads);
        var output = SseTestOutput.Parse(bytes, translator);

        Assert.DoesNotContain('\uFFFD', output.Text);
        Assert.Equal("café 😀!", output.Content());
        var contentChunks = output.Events.Count(e => e.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var c) && c.GetString() != "");
        Assert.Equal(2, contentChunks);
        Assert.Equal("café 😀", output.Delta(1).GetProperty("content").GetString());
        Assert.Equal("stop", output.Finish(output.Events.Count - 1));
    }

    [Fact]
    public void Translate_EscapedText_IsUnescapedOnce()
    {
        var output = RunStream(Event("""{"candidates":[{"content":{"parts":[{"text":"say \"hi\"\nthen \u00e9 \\ \ud83d\ude00"}]},"finishReason":"STOP"}]}"""));

        Assert.Equal("say \"hi\"\nthen é \\ 😀", output.Content());
    }

    [Fact]
    public void Translate_ThoughtParts_AreNotStreamed()
    {
        var output = RunStream(Event("""{"candidates":[{"content":{"parts":[{"text":"hmm","thought":true},{"text":"Hello"},{"text":" world"}]},"finishReason":"STOP"}]}"""));

        Assert.Equal(3, output.Events.Count);
        Assert.Equal("Hello world", output.Delta(1).GetProperty("content").GetString());
    }

    [Fact]
    public void Translate_ModelVersion_NamesTheStreamModel()
    {
        var output = RunStream(Event("""{"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}],"modelVersion":"gemini-2.5-flash-preview-09"}"""));

        Assert.Equal("gemini-2.5-flash-preview-09", output.ResponseModel);
        Assert.All(output.Events, e => Assert.Equal("gemini-2.5-flash-preview-09", e.GetProperty("model").GetString()));
    }

    [Fact]
    public void Translate_RawJsonErrorLines_EndStreamWithMappedErrorWithoutDone()
    {
        var upstream = Event("""{"candidates":[{"content":{"parts":[{"text":"Hel"}]}}]}""")
            + "{\r\n  \"error\": {\r\n    \"code\": 503,\r\n    \"message\": \"The model is overloaded.\",\r\n    \"status\": \"UNAVAILABLE\"\r\n  }\r\n}\r\n\r\n"
            + Event("""{"candidates":[{"content":{"parts":[{"text":"lo"}]},"finishReason":"STOP"}]}""");

        var output = RunStream(upstream);

        var error = output.AssertEndsWithErrorWithoutDone();
        Assert.Equal(3, output.Events.Count);
        Assert.Equal("Hel", output.Content());
        Assert.Equal("The model is overloaded.", error.GetProperty("message").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.Equal(503, output.Error!.StatusCode);
        Assert.DoesNotContain(output.Events, e => e.TryGetProperty("choices", out var c) && c[0].GetProperty("finish_reason").ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public void Translate_ArrayWrappedRawError_EndsStreamWithRateLimitErrorWithoutDone()
    {
        var output = RunStream("""[{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}]""" + "\r\n");

        var error = output.AssertEndsWithErrorWithoutDone();
        Assert.Single(output.Events);
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.Equal(429, output.Error!.StatusCode);
    }

    [Fact]
    public void Translate_DataEventWithErrorKey_EndsStreamWithErrorWithoutDone()
    {
        var output = RunStream(
            Event("""{"candidates":[{"content":{"parts":[{"text":"a"}]}}]}""")
            + Event("""{"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL"}}"""));

        var error = output.AssertEndsWithErrorWithoutDone();
        Assert.Equal("Internal error encountered.", error.GetProperty("message").GetString());
        Assert.Equal(500, output.Error!.StatusCode);
    }

    [Fact]
    public void Complete_BodyEndsWithoutFinishReason_EmitsTruncationErrorWithoutDone()
    {
        var output = RunStream(Event("""{"candidates":[{"content":{"parts":[{"text":"partial"}]}}]}"""));

        var error = output.AssertEndsWithErrorWithoutDone();
        Assert.Equal("stream_truncated", error.GetProperty("code").GetString());
        Assert.Equal("stream_truncated", output.Error!.Code);
    }

    [Fact]
    public void Complete_LastEventWithoutBlankLine_IsStillTranslated()
    {
        var output = RunStream("data: " + """{"candidates":[{"content":{"parts":[{"text":"end"}]},"finishReason":"STOP"}]}""");

        Assert.Null(output.Error);
        Assert.Equal("end", output.Content());
        Assert.Equal("stop", output.Finish(output.Events.Count - 1));
    }

    [Fact]
    public void Translate_MalformedDataEvent_EndsWithServerErrorWithoutDone()
    {
        var output = RunStream(Event("""{"candidates":[{"content":"""));

        var error = output.AssertEndsWithErrorWithoutDone();
        Assert.Equal("server_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public void Translate_TwoCandidates_UseDistinctChoiceIndexesAndFinishBoth()
    {
        var output = RunStream(
            Event("""{"candidates":[{"content":{"parts":[{"text":"A1"}]}}]}""")
            + Event("""{"candidates":[{"content":{"parts":[{"text":"B1"}]},"index":1}]}""")
            + Event("""{"candidates":[{"content":{"parts":[{"text":"A2"}]},"finishReason":"STOP"}]}""")
            + Event("""{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{}}}]},"finishReason":"STOP","index":1}]}"""));

        Assert.Null(output.Error);
        Assert.Equal("A1A2", output.Content(0));
        Assert.Equal("B1", output.Content(1));
        var roles = output.Events.Where(e => e.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("role", out _))
            .Select(e => e.GetProperty("choices")[0].GetProperty("index").GetInt32());
        Assert.Equal([0, 1], roles);
        var finishes = output.Events.Select(e => e.GetProperty("choices")[0])
            .Where(c => c.GetProperty("finish_reason").ValueKind != JsonValueKind.Null)
            .Select(c => (c.GetProperty("index").GetInt32(), c.GetProperty("finish_reason").GetString()));
        Assert.Equal([(0, "stop"), (1, "tool_calls")], finishes);
        Assert.Equal("stop", output.FinishReason);
    }

    [Fact]
    public void Complete_OneOfTwoCandidatesUnfinished_IsTruncation()
    {
        var output = RunStream(
            Event("""{"candidates":[{"content":{"parts":[{"text":"A"}]},"finishReason":"STOP"}]}""")
            + Event("""{"candidates":[{"content":{"parts":[{"text":"B"}]},"index":1}]}"""));

        var error = output.AssertEndsWithErrorWithoutDone();
        Assert.Equal("stream_truncated", error.GetProperty("code").GetString());
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
