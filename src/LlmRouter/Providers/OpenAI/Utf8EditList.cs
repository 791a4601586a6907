using System.Buffers;

namespace LlmRouter.Providers.OpenAI;

/// <summary>
/// A growable, pooled list of edits to one UTF-8 buffer, applied in a single copy. Pass-through bodies are
/// rewritten by splicing a handful of byte ranges rather than re-serialising them, so everything the gateway
/// does not touch (unknown fields, number spelling, escapes, whitespace) reaches the other side byte for byte.
/// </summary>
internal sealed class Utf8EditList : IDisposable
{
    private Utf8Edit[] _items = ArrayPool<Utf8Edit>.Shared.Rent(8);
    private int _count;

    public int Count => _count;

    public ReadOnlySpan<Utf8Edit> Items => _items.AsSpan(0, _count);

    public void Add(int start, int length, ReadOnlyMemory<byte> replacement)
    {
        if (_count == _items.Length)
        {
            var larger = ArrayPool<Utf8Edit>.Shared.Rent(_items.Length * 2);
            _items.AsSpan(0, _count).CopyTo(larger);
            ArrayPool<Utf8Edit>.Shared.Return(_items, clearArray: true);
            _items = larger;
        }

        // Scans add edits almost always in order; an insertion sort keeps the rare out-of-order case correct.
        var index = _count++;
        while (index > 0 && _items[index - 1].Start > start)
        {
            _items[index] = _items[index - 1];
            index--;
        }

        _items[index] = new Utf8Edit(start, length, replacement);
    }

    public void Clear()
    {
        _items.AsSpan(0, _count).Clear();
        _count = 0;
    }

    /// <summary>The length of <paramref name="source"/> once the edits are applied.</summary>
    public int ResultLength(ReadOnlySpan<byte> source)
    {
        var length = source.Length;
        foreach (ref readonly var edit in Items)
        {
            length += edit.Replacement.Length - edit.Length;
        }

        return length;
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> with the edits applied.</summary>
    /// <returns>The number of bytes written.</returns>
    public int CopyTo(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var written = 0;
        var position = 0;
        foreach (ref readonly var edit in Items)
        {
            var unchanged = source[position..edit.Start];
            unchanged.CopyTo(destination[written..]);
            written += unchanged.Length;
            edit.Replacement.Span.CopyTo(destination[written..]);
            written += edit.Replacement.Length;
            position = edit.Start + edit.Length;
        }

        var tail = source[position..];
        tail.CopyTo(destination[written..]);
        return written + tail.Length;
    }

    /// <summary>The edited bytes in an array of exactly the right size.</summary>
    public byte[] ToArray(ReadOnlySpan<byte> source)
    {
        var result = new byte[ResultLength(source)];
        CopyTo(source, result);
        return result;
    }

    public void Dispose()
    {
        ArrayPool<Utf8Edit>.Shared.Return(_items, clearArray: true);
        _items = [];
        _count = 0;
    }
}
