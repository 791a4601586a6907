using System.Text;
using LlmRouter.Providers.Sse;

namespace LlmRouter.Tests.Providers.Sse;

public sealed class SseEventReaderTests
{
    private sealed record Parsed(string Name, string Data, string Unparsed);

    private static Parsed Copy(in SseEvent e)
        => new(Encoding.UTF8.GetString(e.Name), Encoding.UTF8.GetString(e.Data), Encoding.UTF8.GetString(e.Unparsed));

    /// <summary>Appends the pieces one by one, reading after each, then reads the remainder.</summary>
    private static List<Parsed> ReadAll(IEnumerable<byte[]> pieces, int initialCapacity = 4096)
    {
        using var reader = new SseEventReader(initialCapacity);
        var events = new List<Parsed>();
        foreach (var piece in pieces)
        {
            reader.Append(piece);
            while (reader.TryRead(out var e))
            {
                events.Add(Copy(e));
            }
        }

        if (reader.TryReadRemainder(out var last))
        {
            events.Add(Copy(last));
        }

        Assert.Equal(0, reader.Pending);
        return events;
    }

    private static List<Parsed> ReadAll(params string[] pieces) => ReadAll(pieces.Select(Encoding.UTF8.GetBytes));

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void TryRead_EachLineTerminator_SplitsEvents(string eol)
    {
        var events = ReadAll($"data: one{eol}{eol}data: two{eol}{eol}");

        Assert.Equal([new Parsed("", "one", ""), new Parsed("", "two", "")], events);
    }

    [Fact]
    public void TryRead_MixedTerminators_SplitEvents()
    {
        var events = ReadAll("data: a\r\n\r\ndata: b\n\ndata: c\r\r");

        Assert.Equal(["a", "b", "c"], events.Select(e => e.Data));
    }

    [Theory]
    [InlineData("data: x\r\n\r", "\ndata: y\r\n\r\n")]
    [InlineData("data: x\r", "\n\r\ndata: y\r\n\r\n")]
    [InlineData("data: x\r\n", "\r\ndata: y\r\n\r\n")]
    [InlineData("data: x\n", "\ndata: y\n\n")]
    [InlineData("data: x", "\n\ndata: y\n\n")]
    [InlineData("da", "ta: x\n\ndata: y\n\n")]
    public void TryRead_SeparatorSplitAcrossReads_GivesTheSameEvents(string first, string second)
    {
        var events = ReadAll(first, second);

        Assert.Equal([new Parsed("", "x", ""), new Parsed("", "y", "")], events);
    }

    [Fact]
    public void TryRead_CrlfSeparatorSplitBeforeItsLastByte_DoesNotEmitEarly()
    {
        using var reader = new SseEventReader();
        reader.Append("data: x\r\n\r"u8);

        Assert.False(reader.TryRead(out _));

        reader.Append("\n"u8);
        Assert.True(reader.TryRead(out var e));
        Assert.Equal("x", Encoding.UTF8.GetString(e.Data));
        Assert.Equal(0, reader.Pending);
    }

    [Fact]
    public void TryRead_EverySingleByteSplit_GivesTheSameEvents()
    {
        var stream = Encoding.UTF8.GetBytes("event: message_start\r\ndata: {\"text\":\"café 😀\"}\r\n\r\n: ping\r\n\r\ndata: [DONE]\r\n\r\n");

        var events = ReadAll(stream.Select(b => new[] { b }));

        Assert.Equal(
            [new Parsed("message_start", "{\"text\":\"café 😀\"}", ""), new Parsed("", "", ""), new Parsed("", "[DONE]", "")],
            events);
    }

    [Fact]
    public void TryRead_MultiLineData_JoinsWithNewline()
    {
        var events = ReadAll("data: {\"a\":\ndata:1}\ndata\n\n");

        Assert.Equal("{\"a\":\n1}\n", Assert.Single(events).Data);
    }

    [Fact]
    public void TryRead_CommentsIdAndRetry_AreNotDataOrUnparsed()
    {
        var events = ReadAll(": keep-alive\nid: 7\nretry: 1000\ndata: x\n\n");

        Assert.Equal(new Parsed("", "x", ""), Assert.Single(events));
    }

    [Fact]
    public void TryRead_EventName_IsReportedWithoutLeadingSpace()
    {
        var events = ReadAll("event: content_block_delta\ndata: {}\n\nevent:error\ndata:{\"x\":1}\n\n");

        Assert.Equal([new Parsed("content_block_delta", "{}", ""), new Parsed("error", "{\"x\":1}", "")], events);
    }

    [Fact]
    public void TryRead_DataValueKeepsAllButOneLeadingSpace()
    {
        var events = ReadAll("data:  two spaces\n\n");

        Assert.Equal(" two spaces", Assert.Single(events).Data);
    }

    [Fact]
    public void TryRead_NonFieldLines_AreUnparsedJoinedWithNewline()
    {
        var events = ReadAll("[{\n  \"error\": {\n    \"code\": 400\n  }\n}]\n\n");

        Assert.Equal(new Parsed("", "", "[{\n  \"error\": {\n    \"code\": 400\n  }\n}]"), Assert.Single(events));
    }

    [Fact]
    public void TryReadRemainder_StreamEndingWithoutBlankLine_ReturnsLastEvent()
    {
        var events = ReadAll("data: a\n\ndata: b");

        Assert.Equal(["a", "b"], events.Select(e => e.Data));
    }

    [Theory]
    [InlineData("data: a\n\n")]
    [InlineData("data: a\n\n  \t")]
    [InlineData("data: a\n\n \r")]
    public void TryReadRemainder_OnlyWhitespaceLeft_ReturnsNothing(string stream)
    {
        var events = ReadAll(stream);

        Assert.Equal("a", Assert.Single(events).Data);
    }

    [Fact]
    public void TryRead_StrayBlankLine_YieldsAnEmptyEventCallersIgnore()
    {
        var events = ReadAll("data: a\n\n\r\ndata: b\n\n");

        Assert.Equal([new Parsed("", "a", ""), new Parsed("", "", ""), new Parsed("", "b", "")], events);
    }

    [Fact]
    public void TryReadRemainder_CompleteEventStillBuffered_IsReturnedFirst()
    {
        using var reader = new SseEventReader();
        reader.Append("data: a\n\ndata: b"u8);

        Assert.True(reader.TryReadRemainder(out var first));
        Assert.Equal("a", Encoding.UTF8.GetString(first.Data));
        Assert.True(reader.TryReadRemainder(out var second));
        Assert.Equal("b", Encoding.UTF8.GetString(second.Data));
        Assert.False(reader.TryReadRemainder(out _));
    }

    [Fact]
    public void TryRead_EventLargerThanBuffersAndDataScratch_GrowsAndKeepsEveryByte()
    {
        var large = new string('x', 100_000) + "é";
        var bytes = Encoding.UTF8.GetBytes($"data: {large}\n{new string('u', 3000)}\n\ndata: small\n\n");
        var pieces = bytes.Chunk(1000).ToArray();

        var events = ReadAll(pieces, initialCapacity: 16);

        Assert.Equal([new Parsed("", large, new string('u', 3000)), new Parsed("", "small", "")], events);
    }

    [Fact]
    public void TryRead_ManySmallEvents_ReusesBufferWithoutLoss()
    {
        var stream = string.Concat(Enumerable.Range(0, 2000).Select(i => $"data: {i}\n\n"));
        var pieces = Encoding.UTF8.GetBytes(stream).Chunk(7);

        var events = ReadAll(pieces, initialCapacity: 64);

        Assert.Equal(Enumerable.Range(0, 2000).Select(i => i.ToString()), events.Select(e => e.Data));
    }
}
