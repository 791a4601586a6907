using System.Text;
using System.Text.Json;
using static LlmRouter.Tests.Providers.Anthropic.AnthropicTestData;

namespace LlmRouter.Tests.Providers.Anthropic;

public sealed class AnthropicStreamTranslatorTests
{
    private const string StreamRequest = """{"model":"m","stream":true,"messages":[{"role":"user","content":"Hi"}]}""";
    private const string UsageRequest = """{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}""";

    private static readonly string MessageStart = Event("message_start",
        """{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_read_input_tokens":100,"output_tokens":1}}}""");

    private static readonly string Ping = Event("ping", """{"type":"ping"}""");

    private static readonly string BasicStream =
        MessageStart
        + Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""")
        + Ping
        + TextDelta(0, "Hel")
        + TextDelta(0, "lo")
        + Event("content_block_stop", """{"type":"content_block_stop","index":0}""")
        + Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":7}}""")
        + Event("message_stop", """{"type":"message_stop"}""");

    private static readonly string ToolStream =
        MessageStart
        + Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""")
        + TextDelta(0, "Checking")
        + Event("content_block_stop", """{"type":"content_block_stop","index":0}""")
        + Event("content_block_start", """{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_A","name":"get_weather","input":{}}}""")
        + JsonDelta(1, "")
        + JsonDelta(1, "{\"city\":")
        + Ping
        + JsonDelta(1, "\"Paris\"}")
        + Event("content_block_stop", """{"type":"content_block_stop","index":1}""")
        + Event("content_block_start", """{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_B","name":"get_time","input":{}}}""")
        + Event("content_block_stop", """{"type":"content_block_stop","index":2}""")
        + Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":52}}""")
        + Event("message_stop", """{"type":"message_stop"}""");

    private static string TextDelta(int index, string text)
        => Event("content_block_delta", $$$"""{"type":"content_block_delta","index":{{{index}}},"delta":{"type":"text_delta","text":{{{Quote(text)}}}}}""");

    private static string JsonDelta(int index, string fragment)
        => Event("content_block_delta", $$$"""{"type":"content_block_delta","index":{{{index}}},"delta":{"type":"input_json_delta","partial_json":{{{Quote(fragment)}}}}}""");

    // Anthropic sends non-ASCII text as raw UTF-8, which JsonSerializer would escape; only quotes and backslashes need it here.
    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static byte[][] Whole(string upstream) => [Encoding.UTF8.GetBytes(upstream)];

    private static JsonElement Choice(JsonElement chunk) => chunk.GetProperty("choices")[0];

    [Fact]
    public void Translate_BasicStream_EmitsRoleContentFinishAndDone()
    {
        var (output, _, translator) = RunStream(StreamRequest, Whole(BasicStream));

        Assert.True(output.EndsWithDone);
        Assert.Equal(4, output.Events.Count);
        Assert.Equal("assistant", Choice(output.Events[0]).GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal("", Choice(output.Events[0]).GetProperty("delta").GetProperty("content").GetString());
        Assert.Equal("Hel", Choice(output.Events[1]).GetProperty("delta").GetProperty("content").GetString());
        Assert.Equal("lo", Choice(output.Events[2]).GetProperty("delta").GetProperty("content").GetString());
        Assert.Equal("{}", Choice(output.Events[3]).GetProperty("delta").GetRawText());
        Assert.Equal("stop", Choice(output.Events[3]).GetProperty("finish_reason").GetString());
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(JsonValueKind.Null, Choice(output.Events[i]).GetProperty("finish_reason").ValueKind);
        }

        var id = output.Events[0].GetProperty("id").GetString();
        Assert.StartsWith("chatcmpl-", id, StringComparison.Ordinal);
        foreach (var chunk in output.Events)
        {
            Assert.Equal(id, chunk.GetProperty("id").GetString());
            Assert.Equal(Now.ToUnixTimeSeconds(), chunk.GetProperty("created").GetInt64());
            Assert.Equal("chat.completion.chunk", chunk.GetProperty("object").GetString());
            Assert.Equal("claude-sonnet-4-5-20250929", chunk.GetProperty("model").GetString());
            Assert.False(chunk.TryGetProperty("usage", out _));
        }

        Assert.Equal("stop", translator.FinishReason);
        Assert.Equal("claude-sonnet-4-5-20250929", translator.ResponseModel);
        Assert.Null(translator.Error);
        translator.Dispose();
    }

    [Fact]
    public void Translate_WithoutIncludeUsage_StillCapturesUsageForAccounting()
    {
        var (_, _, translator) = RunStream(StreamRequest, Whole(BasicStream));

        Assert.Equal(new LlmRouter.Providers.TokenUsage(125, 7, 132, 100), translator.Usage);
        translator.Dispose();
    }

    [Fact]
    public void Translate_IncludeUsage_NullUsageOnChunksThenOneUsageChunk()
    {
        var (output, _, translator) = RunStream(UsageRequest, Whole(BasicStream));

        Assert.True(output.EndsWithDone);
        Assert.Equal(5, output.Events.Count);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(JsonValueKind.Null, output.Events[i].GetProperty("usage").ValueKind);
        }

        Assert.Equal("stop", Choice(output.Events[3]).GetProperty("finish_reason").GetString());
        var last = output.Events[4];
        Assert.Equal(0, last.GetProperty("choices").GetArrayLength());
        var usage = last.GetProperty("usage");
        Assert.Equal(125, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(7, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(132, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(100, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        translator.Dispose();
    }

    [Fact]
    public void Translate_CumulativeMessageDeltas_UsageIsLatestNotSum()
    {
        var upstream = BasicStream.Replace(
            Event("message_stop", """{"type":"message_stop"}"""),
            Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":null},"usage":{"output_tokens":9,"input_tokens":30}}""")
            + Event("message_stop", """{"type":"message_stop"}"""),
            StringComparison.Ordinal);

        var (output, _, translator) = RunStream(UsageRequest, Whole(upstream));

        var usage = output.Events[^1].GetProperty("usage");
        Assert.Equal(130, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(9, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Single(output.Events, e => e.GetProperty("choices").GetArrayLength() > 0 && Choice(e).GetProperty("finish_reason").ValueKind == JsonValueKind.String);
        translator.Dispose();
    }

    [Fact]
    public void Translate_ToolUseBlocks_IndexedByToolCountWithEmptyObjectForNoArguments()
    {
        var (output, _, translator) = RunStream(StreamRequest, Whole(ToolStream));

        Assert.True(output.EndsWithDone);
        Assert.Equal("Checking", output.Content());
        var starts = output.Events
            .Where(e => Choice(e).GetProperty("delta").TryGetProperty("tool_calls", out var calls) && calls[0].TryGetProperty("id", out _))
            .Select(e => Choice(e).GetProperty("delta").GetProperty("tool_calls")[0])
            .ToList();
        Assert.Equal(2, starts.Count);
        Assert.Equal((0, "toolu_A", "get_weather"), (starts[0].GetProperty("index").GetInt32(), starts[0].GetProperty("id").GetString(), starts[0].GetProperty("function").GetProperty("name").GetString()));
        Assert.Equal((1, "toolu_B", "get_time"), (starts[1].GetProperty("index").GetInt32(), starts[1].GetProperty("id").GetString(), starts[1].GetProperty("function").GetProperty("name").GetString()));
        foreach (var start in starts)
        {
            Assert.Equal("function", start.GetProperty("type").GetString());
            Assert.Equal("", start.GetProperty("function").GetProperty("arguments").GetString());
        }

        Assert.Equal("{\"city\":\"Paris\"}", output.Arguments(0));
        Assert.Equal("{}", output.Arguments(1));
        Assert.Equal("tool_calls", Choice(output.Events[^1]).GetProperty("finish_reason").GetString());
        Assert.Equal("tool_calls", translator.FinishReason);

        // The empty first fragment produces no chunk: role, text, 2 starts + 2 fragments + "{}", finish.
        Assert.Equal(8, output.Events.Count);
        translator.Dispose();
    }

    [Fact]
    public void Translate_JsonModeTool_StreamsAsContentWithStop()
    {
        var upstream =
            MessageStart
            + Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_J","name":"json_tool_call","input":{}}}""")
            + JsonDelta(0, "{\"a\":")
            + JsonDelta(0, "1}")
            + Event("content_block_stop", """{"type":"content_block_stop","index":0}""")
            + Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":5}}""")
            + Event("message_stop", """{"type":"message_stop"}""");

        var (output, _, translator) = RunStream(
            """{"model":"m","stream":true,"response_format":{"type":"json_object"},"messages":[{"role":"user","content":"Hi"}]}""", Whole(upstream));

        Assert.Equal("{\"a\":1}", output.Content());
        Assert.DoesNotContain("tool_calls", output.Text, StringComparison.Ordinal);
        Assert.Equal("stop", Choice(output.Events[^1]).GetProperty("finish_reason").GetString());
        translator.Dispose();
    }

    [Fact]
    public void Translate_PingsUnknownEventsAndThinking_ProduceNothing()
    {
        var noisy = BasicStream
            .Replace(Ping, Ping + Event("future_event", """{"type":"future_event","x":{"y":[1,2]}}""") + ": comment\n\n", StringComparison.Ordinal)
            .Replace(MessageStart, MessageStart
                + Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}""")
                + Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}""")
                + Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"abc"}}""")
                + Event("content_block_stop", """{"type":"content_block_stop","index":0}""")
                + Ping, StringComparison.Ordinal);

        var (quiet, _, first) = RunStream(StreamRequest, Whole(BasicStream));
        var (output, _, second) = RunStream(StreamRequest, Whole(noisy));

        Assert.Equal(Normalize(quiet), Normalize(output));
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public void Translate_MidStreamError_ForwardsChunksThenErrorAndEndsWithoutDone()
    {
        var upstream =
            MessageStart
            + Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""")
            + TextDelta(0, "Hel")
            + TextDelta(0, "lo")
            + Event("error", """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""");

        var (output, _, translator) = RunStream(StreamRequest, Whole(upstream));

        var error = output.AssertEndsWithErrorWithoutDone();
        Assert.Equal(4, output.Events.Count);
        Assert.Equal("Hello", output.Content());
        Assert.Equal("Overloaded", error.GetProperty("message").GetString());
        Assert.Equal("overloaded_error", error.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.DoesNotContain("\"finish_reason\":\"stop\"", output.Text, StringComparison.Ordinal);
        Assert.NotNull(translator.Error);
        Assert.Equal(503, translator.Error.StatusCode);
        Assert.True(translator.Error.IsRetryable);
        Assert.Null(translator.FinishReason);
        translator.Dispose();
    }

    [Fact]
    public void Translate_EventsAfterError_AreIgnored()
    {
        var upstream = MessageStart
            + Event("error", """{"type":"error","error":{"type":"api_error","message":"boom"}}""")
            + TextDelta(0, "late");

        var (output, _, translator) = RunStream(StreamRequest, Whole(upstream));

        var error = output.AssertEndsWithErrorWithoutDone();
        Assert.Equal(2, output.Events.Count);
        Assert.Equal("api_error", error.GetProperty("type").GetString());
        Assert.Equal(500, translator.Error!.StatusCode);
        translator.Dispose();
    }

    [Fact]
    public void Complete_WithoutMessageStop_EmitsTruncationErrorAndEndsWithoutDone()
    {
        var upstream =
            MessageStart
            + Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""")
            + TextDelta(0, "Hel");

        var (output, _, translator) = RunStream(StreamRequest, Whole(upstream));

        var error = output.AssertEndsWithErrorWithoutDone();
        Assert.Equal(3, output.Events.Count);
        Assert.Equal("stream_truncated", error.GetProperty("code").GetString());
        translator.Dispose();
    }

    [Fact]
    public void Complete_AfterFinishWithoutMessageStop_EndsNormally()
    {
        var upstream = BasicStream.Replace(Event("message_stop", """{"type":"message_stop"}"""), "", StringComparison.Ordinal);

        var (output, _, translator) = RunStream(UsageRequest, Whole(upstream));

        Assert.True(output.EndsWithDone);
        Assert.Null(translator.Error);
        Assert.Equal(0, output.Events[^1].GetProperty("choices").GetArrayLength());
        translator.Dispose();
    }

    [Fact]
    public void Translate_LastEventWithoutBlankLine_IsStillRead()
    {
        var upstream = BasicStream.TrimEnd('\n');

        var (output, _, translator) = RunStream(StreamRequest, Whole(upstream));

        Assert.True(output.EndsWithDone);
        Assert.Null(translator.Error);
        Assert.Equal(4, output.Events.Count);
        translator.Dispose();
    }

    [Fact]
    public void Translate_MalformedEvent_EndsWithErrorWithoutDone()
    {
        var upstream = MessageStart + Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":""");

        var (output, _, translator) = RunStream(StreamRequest, Whole(upstream));

        output.AssertEndsWithErrorWithoutDone();
        Assert.Equal(502, translator.Error!.StatusCode);
        translator.Dispose();
    }

    [Fact]
    public void Translate_EventsWithoutNames_UseDataType()
    {
        var upstream = string.Concat(BasicStream.Split("\n").Where(line => !line.StartsWith("event:", StringComparison.Ordinal)).Select(line => line + "\n"));

        var (output, _, translator) = RunStream(StreamRequest, Whole(upstream));

        Assert.Equal(4, output.Events.Count);
        Assert.Equal("Hello", output.Content());
        translator.Dispose();
    }

    [Fact]
    public void Translate_UnicodeAndFramingSplitAcrossReads_ContentExact()
    {
        var upstream = Encoding.UTF8.GetBytes(
            MessageStart
            + Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""")
            + TextDelta(0, "café 😀")
            + Event("content_block_stop", """{"type":"content_block_stop","index":0}""")
            + Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}}""")
            + Event("message_stop", """{"type":"message_stop"}"""));

        // Cut inside é (C3|A9), inside 😀 (F0 9F|98|80) and between the two \n of the delta's separator.
        var delta = Encoding.UTF8.GetBytes("café 😀");
        var deltaStart = IndexOf(upstream, delta);
        var eAcute = deltaStart + 4;
        var emoji = deltaStart + 6;
        var separator = IndexOf(upstream, "\n\nevent: content_block_stop"u8.ToArray()) + 1;
        int[] cuts = [eAcute, emoji + 2, emoji + 3, separator];
        var reads = Split(upstream, cuts);

        var (output, raw, translator) = RunStream(StreamRequest, reads);

        Assert.Equal("café 😀", output.Content());
        Assert.DoesNotContain("\uFFFD", Encoding.UTF8.GetString(raw), StringComparison.Ordinal);

        // role, the one text delta, finish.
        Assert.Equal(3, output.Events.Count);
        Assert.Equal("café 😀", Choice(output.Events[1]).GetProperty("delta").GetProperty("content").GetString());
        translator.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Translate_RandomReadSplits_ProduceIdenticalOutput(bool crlf)
    {
        var text = ToolStream.Replace(TextDelta(0, "Checking"), TextDelta(0, "Checking café 😀 ü"), StringComparison.Ordinal);
        if (crlf)
        {
            text = text.Replace("\n", "\r\n", StringComparison.Ordinal);
        }

        var upstream = Encoding.UTF8.GetBytes(text);
        var (baseline, _, first) = RunStream(UsageRequest, [upstream]);
        first.Dispose();
        var expected = Normalize(baseline);
        Assert.Contains("Checking café 😀 ü", baseline.Content(), StringComparison.Ordinal);

        var random = new Random(20260301);
        for (var pattern = 0; pattern < 200; pattern++)
        {
            var cutCount = random.Next(1, 40);
            var cuts = new int[cutCount];
            for (var i = 0; i < cutCount; i++)
            {
                cuts[i] = random.Next(1, upstream.Length);
            }

            var (output, _, translator) = RunStream(UsageRequest, Split(upstream, cuts));
            translator.Dispose();
            Assert.Equal(expected, Normalize(output));
        }
    }

    [Fact]
    public void Translate_OneByteReads_ProduceIdenticalOutput()
    {
        var upstream = Encoding.UTF8.GetBytes(ToolStream);
        var (baseline, _, first) = RunStream(StreamRequest, [upstream]);
        var (output, _, second) = RunStream(StreamRequest, upstream.Select(b => new[] { b }));

        Assert.Equal(Normalize(baseline), Normalize(output));
        first.Dispose();
        second.Dispose();
    }

    // Ids are random per stream; everything else must match byte for byte.
    private static string Normalize(SseTestOutput output)
    {
        var id = output.Events[0].GetProperty("id").GetString()!;
        return output.Text.Replace(id, "ID", StringComparison.Ordinal);
    }

    private static byte[][] Split(byte[] bytes, int[] cuts)
    {
        var sorted = cuts.Where(c => c > 0 && c < bytes.Length).Distinct().Order().ToArray();
        var parts = new List<byte[]>();
        var start = 0;
        foreach (var cut in sorted)
        {
            parts.Add(bytes[start..cut]);
            start = cut;
        }

        parts.Add(bytes[start..]);
        return [.. parts];
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        var index = haystack.AsSpan().IndexOf(needle);
        Assert.True(index >= 0);
        return index;
    }
}
