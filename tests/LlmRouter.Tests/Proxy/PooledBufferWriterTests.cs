using LlmRouter.Proxy;

namespace LlmRouter.Tests.Proxy;

public sealed class PooledBufferWriterTests
{
    [Fact]
    public void Write_BeyondTheFirstArray_KeepsEverythingWrittenInOrder()
    {
        using var writer = new PooledBufferWriter();
        var expected = new byte[10_000];
        Random.Shared.NextBytes(expected);

        for (var offset = 0; offset < expected.Length; offset += 700)
        {
            var part = expected.AsSpan(offset, Math.Min(700, expected.Length - offset));
            part.CopyTo(writer.GetSpan(part.Length));
            writer.Advance(part.Length);
        }

        Assert.Equal(expected.Length, writer.WrittenCount);
        Assert.True(writer.WrittenSpan.SequenceEqual(expected));
    }

    [Fact]
    public void Clear_EmptiesTheWriterAndItCanBeWrittenAgain()
    {
        using var writer = new PooledBufferWriter();
        "first"u8.CopyTo(writer.GetSpan(5));
        writer.Advance(5);

        writer.Clear();
        Assert.Equal(0, writer.WrittenCount);
        Assert.True(writer.WrittenSpan.IsEmpty);

        "second"u8.CopyTo(writer.GetSpan(6));
        writer.Advance(6);
        Assert.True(writer.WrittenSpan.SequenceEqual("second"u8));
    }

    [Fact]
    public void Advance_PastWhatWasHandedOut_Throws()
    {
        using var writer = new PooledBufferWriter();
        var handedOut = writer.GetSpan(10).Length;

        Assert.Throws<InvalidOperationException>(() => writer.Advance(handedOut + 1));
        Assert.Throws<InvalidOperationException>(() => new PooledBufferWriter().Advance(1));
    }
}
