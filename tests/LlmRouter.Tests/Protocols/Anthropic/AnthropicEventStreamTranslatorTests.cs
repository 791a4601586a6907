using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmRouter.Protocols.Anthropic;
using LlmRouter.Providers;
using LlmRouter.Providers.OpenAI;
using LlmRouter.Tests.Providers;
using LlmRouter.Tests.Providers.Gemini;

namespace LlmRouter.Tests.Protocols.Anthropic;

public sealed partial class AnthropicEventStreamTranslatorTests
{
    // OpenAI chunks: role, multi-byte text, two parallel tool calls streamed one after the other, finish, usage.
    private static readonly byte[] OpenAIStream = Encoding.UTF8.GetBytes(string.Concat(
        Chunk("""{"role":"assistant","content":""}""", null),
        Chunk("""{"content":"Grüße 日本語 😀 "}""", null),
        Chunk("""{"content":"\"quoted\"\n"}""", null),
        Chunk("""{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]}""", null),
        Chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}""", null),
        Chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"\"Köln\"}"}}]}""", null),
        Chunk("""{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{}"}}]}""", null),
        Chunk("{}", "\"tool_calls\""),
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":12,\"total_tokens\":52,\"prompt_tokens_details\":{\"cached_tokens\":8}}}\n\n",
        "data: [DONE]\n\n"));

    [Fact]
    public void Translate_OpenAIChunks_BecomeWellFormedAnthropicEvents()
    {
        var events = AnthropicTestEvents.Parse(Run(OpenAIInner(), EventByEvent(OpenAIStream), estimate: 33));

        AnthropicTestEvents.AssertWellFormed(events);
        Assert.Equal("ping", events[1].Name);
        Assert.Equal("Grüße 日本語 😀 \"quoted\"\n", AnthropicTestEvents.Text(events));

        // OpenAI reports usage only at the end: message_start has the estimate, message_delta the real figures.
        Assert.Equal(33, events[0].Data.GetProperty("message").GetProperty("usage").GetProperty("input_tokens").GetInt32());
        var final = events[^2].Data;
        Assert.Equal("tool_use", final.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(12, final.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.Equal(32, final.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        Assert.Equal(8, final.GetProperty("usage").GetProperty("cache_read_input_tokens").GetInt32());

        var tools = events.Where(e => e.Name == "content_block_start" && e.Data.GetProperty("content_block").GetProperty("type").GetString() == "tool_use").ToList();
        Assert.Equal(["get_weather", "get_time"], tools.Select(t => t.Data.GetProperty("content_block").GetProperty("name").GetString()));
        Assert.Equal([1, 2], tools.Select(t => t.Data.GetProperty("index").GetInt32()));
        var weatherInput = string.Concat(events.Where(e => e.Name == "content_block_delta" && e.Data.GetProperty("index").GetInt32() == 1)
            .Select(e => e.Data.GetProperty("delta").GetProperty("partial_json").GetString()));
        Assert.Equal("""{"city":"Köln"}""", weatherInput);
    }

    [Fact]
    public void Translate_GeminiStream_ReportsPromptTokensInMessageStart()
    {
        var gemini = Encoding.UTF8.GetBytes(GeminiTestData.Event("""{"candidates":[{"content":{"role":"model","parts":[{"text":"Hola"}]},"index":0}],"usageMetadata":{"promptTokenCount":20,"candidatesTokenCount":1,"totalTokenCount":21},"modelVersion":"gemini-2.5-flash"}""")
            + GeminiTestData.Event("""{"candidates":[{"content":{"role":"model","parts":[{"text":" amigo"}]},"finishReason":"MAX_TOKENS","index":0}],"usageMetadata":{"promptTokenCount":20,"candidatesTokenCount":2,"totalTokenCount":22},"modelVersion":"gemini-2.5-flash"}"""));

        var events = AnthropicTestEvents.Parse(Run(GeminiTestData.StreamTranslator(includeUsage: true), [gemini], estimate: 99));

        AnthropicTestEvents.AssertWellFormed(events);
        Assert.Equal(20, events[0].Data.GetProperty("message").GetProperty("usage").GetProperty("input_tokens").GetInt32());
        Assert.Equal("max_tokens", events[^2].Data.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(2, events[^2].Data.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.Equal("Hola amigo", AnthropicTestEvents.Text(events));
    }

    [Fact]
    public void Translate_RandomReadSplits_GiveIdenticalOutput()
    {
        var expected = Normalise(Run(OpenAIInner(), [OpenAIStream], estimate: 1));
        var random = new Random(20251202);
        for (var pattern = 0; pattern < 200; pattern++)
        {
            var reads = ReadSplits.Random(OpenAIStream, random);
            var actual = Normalise(Run(OpenAIInner(), reads, estimate: 1));
            Assert.True(expected == actual, $"Pattern {pattern} ({string.Join(",", reads.Select(r => r.Length))}) differs:\n{actual}");
        }
    }

    [Fact]
    public void HasContent_FollowsTheInnerTranslatorAndHoldsNothingBack()
    {
        using var translator = new AnthropicEventStreamTranslator(OpenAIInner(), "gpt-4o", 1);
        var output = new ArrayBufferWriter<byte>();

        translator.Translate(Encoding.UTF8.GetBytes(Chunk("""{"role":"assistant","content":""}""", null)), output);
        Assert.False(translator.HasContent);

        translator.Translate(Encoding.UTF8.GetBytes(Chunk("""{"content":"Hi"}""", null)), output);
        Assert.True(translator.HasContent);
        Assert.Contains("\"text\":\"Hi\"", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }

    [Fact]
    public void Fail_AfterContent_WritesAnErrorEventAndNoMessageStop()
    {
        using var translator = new AnthropicEventStreamTranslator(OpenAIInner(), "gpt-4o", 1);
        var output = new ArrayBufferWriter<byte>();
        translator.Translate(Encoding.UTF8.GetBytes(Chunk("""{"content":"Hi"}""", null)), output);

        translator.Fail(output, "The upstream stream was idle for longer than the route allows.", "server_error", "timeout");

        var events = AnthropicTestEvents.Parse(output.WrittenSpan.ToArray());
        Assert.Equal("error", events[^1].Name);
        Assert.Equal("api_error", events[^1].Data.GetProperty("error").GetProperty("type").GetString());
        Assert.DoesNotContain(events, e => e.Name == "message_stop");
        Assert.NotNull(translator.Error);
    }

    [Theory]
    [InlineData("""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":"x","function":{"arguments":5}}]},"finish_reason":null}]}""")]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}],"usage":{"prompt_tokens":"many"}}""")]
    public void Translate_OddUpstreamChunk_NeverThrows(string chunk)
    {
        using var translator = new AnthropicEventStreamTranslator(OpenAIInner(), "gpt-4o", 1);
        var output = new ArrayBufferWriter<byte>();

        translator.Translate(Encoding.UTF8.GetBytes("data: " + chunk + "\n\n"), output);
        translator.Complete(output);

        var events = AnthropicTestEvents.Parse(output.WrittenSpan.ToArray());
        Assert.Equal("message_start", events[0].Name);
    }

    [Fact]
    public void Complete_TruncatedUpstream_WritesAnErrorEvent()
    {
        using var translator = new AnthropicEventStreamTranslator(OpenAIInner(), "gpt-4o", 1);
        var output = new ArrayBufferWriter<byte>();
        translator.Translate(Encoding.UTF8.GetBytes(Chunk("""{"content":"Hi"}""", null)), output);

        translator.Complete(output);

        var events = AnthropicTestEvents.Parse(output.WrittenSpan.ToArray());
        Assert.Equal("error", events[^1].Name);
        Assert.DoesNotContain(events, e => e.Name == "message_stop");
    }

    private static OpenAIStreamTranslator OpenAIInner() => new(includeUsage: true, choices: 1);

    private static byte[] Run(IStreamTranslator inner, IEnumerable<byte[]> reads, int estimate)
    {
        using var translator = new AnthropicEventStreamTranslator(inner, "model", estimate);
        var output = new ArrayBufferWriter<byte>();
        foreach (var read in reads)
        {
            translator.Translate(read, output);
        }

        translator.Complete(output);
        Assert.Null(translator.Error);
        return output.WrittenSpan.ToArray();
    }

    private static List<byte[]> EventByEvent(byte[] bytes)
        => Encoding.UTF8.GetString(bytes).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => Encoding.UTF8.GetBytes(e + "\n\n")).ToList();

    // Message ids are random per stream, and message_start's usage is the upstream's if it arrived in the same read
    // (else the estimate); everything else must match byte for byte.
    private static string Normalise(byte[] output)
        => StartUsage().Replace(MessageId().Replace(Encoding.UTF8.GetString(output), "msg_ID"), "\"usage\":{START}}}", 1);

    private static string Chunk(string delta, string? finish)
        => $$"""data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{{delta}},"logprobs":null,"finish_reason":{{finish ?? "null"}}}]}""" + "\n\n";

    [GeneratedRegex("\"usage\":\\{[^}]*\\}\\}\\}")]
    private static partial Regex StartUsage();

    [GeneratedRegex("msg_[A-Za-z0-9]{24}")]
    private static partial Regex MessageId();
}
