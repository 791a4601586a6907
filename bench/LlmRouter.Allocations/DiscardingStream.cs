namespace LlmRouter.Allocations;

/// <summary>
/// Standard output for the in-process gateways: written through a <see cref="StreamWriter"/> exactly as the console
/// is (so rendering and encoding the request log line allocate what they allocate in the shipped gateway), then
/// discarded instead of reaching a terminal; it counts lines so the run can show that request logging was on.
/// </summary>
internal sealed class DiscardingStream : Stream
{
    private long _lines;

    public long Lines => Interlocked.Read(ref _lines);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(ReadOnlySpan<byte> buffer)
        => Interlocked.Add(ref _lines, buffer.Count((byte)'\n'));

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
