using System.Buffers;

namespace LlmRouter.Proxy;

/// <summary>The one rule for client header values the gateway reads, echoes or forwards: visible ASCII, space and tab.</summary>
internal static class HeaderValues
{
    private static readonly SearchValues<char> Printable = SearchValues.Create(
        Enumerable.Range(0x20, 0x7F - 0x20).Select(c => (char)c).Append('\t').ToArray());

    /// <summary>Whether <paramref name="value"/> is printable ASCII of at most <paramref name="maxLength"/> characters.</summary>
    public static bool IsPrintableAscii(string? value, int maxLength)
        => value is not null && value.Length <= maxLength && !value.AsSpan().ContainsAnyExcept(Printable);
}
