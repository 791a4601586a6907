using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LlmRouter.Chat;

/// <summary>
/// One forward pass over a client's JSON body before it is parsed, refusing what System.Text.Json accepts but
/// cannot later read or write: string escapes that are not valid UTF-16 (lone surrogates such as <c>"\ud800"</c>),
/// numbers that are not finite (<c>1e309</c>) and nesting deeper than <see cref="JsonLimits.MaxDepth"/>. Without it
/// those surface as exceptions (500s) in whichever translator reads the value first.
/// </summary>
internal static class JsonBodyScanner
{
    private static readonly string TooDeep = $"nesting is deeper than {JsonLimits.MaxDepth} levels.";

    /// <summary>Throws <see cref="InvalidRequestException"/> naming the parameter; <see cref="JsonException"/> for bad grammar.</summary>
    public static void Validate(ReadOnlySpan<byte> body)
    {
        if (FindProblem(body, out var offset) is { } problem)
        {
            throw Refuse(body, offset, problem);
        }
    }

    /// <summary>Whether <paramref name="json"/> is well-formed and free of the problems above (for JSON nested in strings).</summary>
    public static bool IsReadable(ReadOnlySpan<byte> json)
    {
        try
        {
            return FindProblem(json, out _) is null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? FindProblem(ReadOnlySpan<byte> body, out long offset)
    {
        // One level of slack so this pass, not the reader, reports the depth with a parameter name.
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = JsonLimits.MaxDepth + 1 });
        while (reader.Read())
        {
            offset = reader.TokenStartIndex;
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray when reader.CurrentDepth >= JsonLimits.MaxDepth:
                    return TooDeep;
                case JsonTokenType.String or JsonTokenType.PropertyName when reader.ValueIsEscaped && !IsValidUtf16(reader.ValueSpan):
                    return "the string contains an invalid Unicode escape (a lone surrogate).";
                case JsonTokenType.Number when !reader.TryGetDouble(out var number) || !double.IsFinite(number):
                    return "the number is not finite.";
            }
        }

        offset = 0;
        return null;
    }

    /// <summary>Whether the escaped JSON string text unescapes to valid UTF-16 (every surrogate escape paired).</summary>
    internal static bool IsValidUtf16(ReadOnlySpan<byte> escaped)
    {
        var i = 0;
        while (i < escaped.Length)
        {
            if (escaped[i] != (byte)'\\')
            {
                i++;
                continue;
            }

            if (escaped[i + 1] != (byte)'u')
            {
                i += 2;
                continue;
            }

            // The reader has checked the grammar: exactly four hex digits follow "\u".
            var unit = Hex4(escaped.Slice(i + 2, 4));
            i += 6;
            if (char.IsLowSurrogate((char)unit))
            {
                return false;
            }

            if (char.IsHighSurrogate((char)unit))
            {
                if (i + 6 > escaped.Length || escaped[i] != (byte)'\\' || escaped[i + 1] != (byte)'u'
                    || !char.IsLowSurrogate((char)Hex4(escaped.Slice(i + 2, 4))))
                {
                    return false;
                }

                i += 6;
            }
        }

        return true;
    }

    private static int Hex4(ReadOnlySpan<byte> digits)
        => Utf8Parser.TryParse(digits, out ushort value, out _, 'X') ? value : 0;

    private static InvalidRequestException Refuse(ReadOnlySpan<byte> body, long offset, string problem)
    {
        var param = PathAt(body, offset);
        return param is null
            ? new InvalidRequestException("Invalid JSON body: " + problem, null, "invalid_value")
            : new InvalidRequestException($"Invalid '{param}': {problem}", param, "invalid_value");
    }

    /// <summary>
    /// The OpenAI-style path (<c>messages[0].content</c>) of the token starting at <paramref name="offset"/>, or null
    /// at the root. A second pass that runs only for a refused body, so the accepting pass allocates nothing.
    /// </summary>
    internal static string? PathAt(ReadOnlySpan<byte> body, long offset)
    {
        var frames = new List<(bool IsArray, int Index, string? Name)>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = JsonLimits.MaxDepth + 1 });
        while (reader.Read())
        {
            var isValue = reader.TokenType != JsonTokenType.PropertyName
                && reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray);
            if (isValue && frames.Count > 0 && frames[^1].IsArray)
            {
                frames[^1] = frames[^1] with { Index = frames[^1].Index + 1 };
            }

            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                frames[^1] = frames[^1] with { Name = ReadableName(reader.ValueSpan) };
            }

            if (reader.TokenStartIndex == offset)
            {
                return Format(frames);
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    frames.Add((false, -1, null));
                    break;
                case JsonTokenType.StartArray:
                    frames.Add((true, -1, null));
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    frames.RemoveAt(frames.Count - 1);
                    break;
            }
        }

        return null;
    }

    // The raw (still escaped) name: readable, and never throws on the very escape being reported.
    private static string ReadableName(ReadOnlySpan<byte> raw)
        => Encoding.UTF8.GetString(raw.Length > 64 ? raw[..64] : raw);

    private static string? Format(List<(bool IsArray, int Index, string? Name)> frames)
    {
        var path = new StringBuilder();
        foreach (var (isArray, index, name) in frames)
        {
            if (isArray)
            {
                path.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else if (name is not null)
            {
                if (path.Length > 0)
                {
                    path.Append('.');
                }

                path.Append(name);
            }
        }

        return path.Length == 0 ? null : path.ToString();
    }
}
