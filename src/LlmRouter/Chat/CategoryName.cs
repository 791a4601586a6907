using System.Buffers;

namespace LlmRouter.Chat;

/// <summary>
/// The shape of a client-stated task category (<c>x-llmrouter-category</c>, <c>metadata.category</c>): it is echoed in
/// a response header and logged, so it is a short token of <c>[A-Za-z0-9._:-]</c>, never free text.
/// </summary>
internal static class CategoryName
{
    public const int MaxLength = 64;

    private static readonly SearchValues<char> Allowed = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-");

    /// <summary>Whether <paramref name="value"/> is acceptable: blank (no category stated) or a bounded token once trimmed.</summary>
    public static bool IsAcceptable(string? value)
    {
        var trimmed = value.AsSpan().Trim();
        return trimmed.IsEmpty || (trimmed.Length <= MaxLength && !trimmed.ContainsAnyExcept(Allowed));
    }
}
