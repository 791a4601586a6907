using System.Text;
using System.Text.RegularExpressions;
using static LlmRouter.Tests.Providers.Gemini.GeminiTestData;

namespace LlmRouter.Tests.Providers.Gemini;

public sealed partial class GeminiStreamSplitPropertyTests
{
    // A recorded-shape Gemini stream: CRLF framing, multi-byte text (2-, 3- and 4-byte UTF-8), escapes,
    // a function call, cumulative usage and a finish on the last event.
    private static readonly byte[] Recorded = Encoding.UTF8.GetBytes(
        Event("""{"candidates":[{"content":{"role":"model","parts":[{"text":"Grüße aus Köln — "}]},"index":0}],"usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":4,"totalTokenCount":16},"modelVersion":"gemini-2.5-flash"}""")
        + Event("""{"candidates":[{"content":{"role":"model","parts":[{"text":"日本語 😀👍🏽 \"quoted\"\n"}]},"index":0}],"usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":9,"totalTokenCount":21},"modelVersion":"gemini-2.5-flash"}""")
        + Event("""{"candidates":[{"content":{"role":"model","parts":[{"text":"café"},{"functionCall":{"name":"lookup","args":{"q":"naïve ☕"}},"thoughtSignature":"U0lH"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":15,"thoughtsTokenCount":5,"totalTokenCount":32},"modelVersion":"gemini-2.5-flash"}"""));

    [Fact]
    public void Translate_RandomReadSplits_GiveIdenticalOutput()
    {
        var expected = Normalise(Translate([Recorded]));
        var content = SseTestOutput.Parse(Encoding.UTF8.GetBytes(expected)).Content();
        Assert.Equal("Grüße aus Köln — 日本語 😀👍🏽 \"quoted\"\ncafé", content);

        var random = new Random(20240611);
        for (var pattern = 0; pattern < 200; pattern++)
        {
            var reads = ReadSplits.Random(Recorded, random);
            var actual = Normalise(Translate(reads));
            Assert.True(expected == actual, $"Pattern {pattern} ({string.Join(",", reads.Select(r => r.Length))}) differs:\n{actual}");
        }
    }

    [Fact]
    public void Translate_OneByteReads_GiveIdenticalOutput()
    {
        var expected = Normalise(Translate([Recorded]));
        var reads = Recorded.Select(b => new[] { b }).ToList();

        Assert.Equal(expected, Normalise(Translate(reads)));
    }

    private static string Translate(IEnumerable<byte[]> reads)
    {
        using var translator = StreamTranslator(includeUsage: true);
        var bytes = RunStream(translator, reads);
        Assert.Null(translator.Error);
        SseTestOutput.Parse(bytes, translator);
        return Encoding.UTF8.GetString(bytes);
    }

    // Tool-call ids are random per stream; everything else must match byte for byte.
    private static string Normalise(string output) => ToolCallId().Replace(output, "call_ID");

    [GeneratedRegex("call_[A-Za-z0-9]{24}")]
    private static partial Regex ToolCallId();
}
