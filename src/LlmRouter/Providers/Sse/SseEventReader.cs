using System.Buffers;

namespace LlmRouter.Providers.Sse;

/// <summary>
/// Incremental server-sent-events parser over raw bytes. Events end at a blank line with any of the
/// <c>\n</c>, <c>\r\n</c> and <c>\r</c> terminators; bytes may arrive split anywhere, including inside a
/// multi-byte UTF-8 character or a CRLF pair, because splitting happens on ASCII bytes only.
/// </summary>
internal sealed class SseEventReader : IDisposable
{
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _scanFrom;
    private byte[] _data = ArrayPool<byte>.Shared.Rent(1024);
    private byte[] _unparsed = ArrayPool<byte>.Shared.Rent(256);

    public SseEventReader(int initialCapacity = 4096)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    /// <summary>Bytes received but not yet returned as an event.</summary>
    public int Pending => _end - _start;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (_end + bytes.Length > _buffer.Length)
        {
            Compact(bytes.Length);
        }

        bytes.CopyTo(_buffer.AsSpan(_end));
        _end += bytes.Length;
    }

    /// <summary>Returns the next complete event, if one has fully arrived.</summary>
    public bool TryRead(out SseEvent sseEvent)
    {
        var span = _buffer.AsSpan(_start, _end - _start);
        var length = FindEventEnd(span, ref _scanFrom, out var consumed);
        if (length < 0)
        {
            sseEvent = default;
            return false;
        }

        sseEvent = Parse(span[..length]);
        _start += consumed;
        return true;
    }

    /// <summary>At end of stream: returns what remains as a last event (a stream may end without a blank line).</summary>
    public bool TryReadRemainder(out SseEvent sseEvent)
    {
        if (TryRead(out sseEvent))
        {
            return true;
        }

        var span = _buffer.AsSpan(_start, _end - _start);
        _start = _end;
        _scanFrom = 0;
        if (span.Trim("\r\n \t"u8).IsEmpty)
        {
            sseEvent = default;
            return false;
        }

        sseEvent = Parse(span);
        return true;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        ArrayPool<byte>.Shared.Return(_data);
        ArrayPool<byte>.Shared.Return(_unparsed);
        _buffer = _data = _unparsed = [];
    }

    // Finds the end of the first event: the index where its blank line starts, and how many bytes the
    // event plus its terminating blank line occupy. A trailing lone '\r' waits for the next read, since it
    // may be the first half of a CRLF. Scanning resumes at the start of the last incomplete line
    // (lineStart), so an event arriving in many reads is not rescanned from its first byte.
    private static int FindEventEnd(ReadOnlySpan<byte> span, ref int lineStart, out int consumed)
    {
        var i = lineStart;
        while (i < span.Length)
        {
            var next = span[i..].IndexOfAny((byte)'\n', (byte)'\r');
            if (next < 0)
            {
                break;
            }

            i += next;
            int terminatorLength;
            if (span[i] == (byte)'\r')
            {
                if (i + 1 >= span.Length)
                {
                    break;
                }

                terminatorLength = span[i + 1] == (byte)'\n' ? 2 : 1;
            }
            else
            {
                terminatorLength = 1;
            }

            if (i == lineStart)
            {
                consumed = i + terminatorLength;
                lineStart = 0;
                return i;
            }

            i += terminatorLength;
            lineStart = i;
        }

        consumed = 0;
        return -1;
    }

    private SseEvent Parse(ReadOnlySpan<byte> block)
    {
        ReadOnlySpan<byte> name = default;
        var dataLength = 0;
        var unparsedLength = 0;
        var hasData = false;
        while (!block.IsEmpty)
        {
            var lineEnd = block.IndexOfAny((byte)'\r', (byte)'\n');
            var line = lineEnd < 0 ? block : block[..lineEnd];
            block = lineEnd < 0 ? default : SkipTerminator(block[lineEnd..]);

            if (line.IsEmpty || line[0] == (byte)':')
            {
                continue;
            }

            var colon = line.IndexOf((byte)':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? default : line[(colon + 1)..];
            if (!value.IsEmpty && value[0] == (byte)' ')
            {
                value = value[1..];
            }

            if (field.SequenceEqual("data"u8))
            {
                if (hasData)
                {
                    Write(ref _data, ref dataLength, "\n"u8);
                }

                Write(ref _data, ref dataLength, value);
                hasData = true;
            }
            else if (field.SequenceEqual("event"u8))
            {
                name = value;
            }
            else if (!field.SequenceEqual("id"u8) && !field.SequenceEqual("retry"u8))
            {
                if (unparsedLength > 0)
                {
                    Write(ref _unparsed, ref unparsedLength, "\n"u8);
                }

                Write(ref _unparsed, ref unparsedLength, line);
            }
        }

        return new SseEvent(name, _data.AsSpan(0, dataLength), _unparsed.AsSpan(0, unparsedLength));
    }

    private static ReadOnlySpan<byte> SkipTerminator(ReadOnlySpan<byte> span)
        => span.Length >= 2 && span[0] == (byte)'\r' && span[1] == (byte)'\n' ? span[2..] : span[1..];

    private static void Write(ref byte[] target, ref int length, ReadOnlySpan<byte> bytes)
    {
        if (length + bytes.Length > target.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(target.Length * 2, length + bytes.Length));
            target.AsSpan(0, length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(target);
            target = larger;
        }

        bytes.CopyTo(target.AsSpan(length));
        length += bytes.Length;
    }

    private void Compact(int incoming)
    {
        var pending = _end - _start;
        if (pending + incoming > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, pending + incoming));
            _buffer.AsSpan(_start, pending).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        else
        {
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
        }

        _start = 0;
        _end = pending;
    }
}
