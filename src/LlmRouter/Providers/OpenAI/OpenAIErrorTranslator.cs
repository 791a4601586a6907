using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace LlmRouter.Providers.OpenAI;

/// <summary>
/// Turns an OpenAI (or OpenAI-compatible) error response into an <see cref="UpstreamError"/>. OpenAI's own error
/// object keeps its message, type, param and code; other shapes (vLLM's top-level fields, FastAPI's <c>detail</c>,
/// Gemini-compat's array wrapping, plain text, HTML) keep their message and get a status-derived type.
/// </summary>
internal static class OpenAIErrorTranslator
{
    private const int MaxTextMessageLength = 1000;

    public static UpstreamError Translate(int statusCode, ReadOnlySpan<byte> body, TimeSpan? retryAfter)
    {
        // 529 is not an HTTP status OpenAI clients know; it means "overloaded", which 503 says to every client.
        var status = statusCode == 529 ? 503 : statusCode;
        var fields = ReadFields(body);

        // A body without a type of its own gets one (and, absent a code, a code) derived from the status.
        var type = fields.Type is { Length: > 0 } own ? own : OpenAIErrorKinds.TypeFor(statusCode);
        var code = fields.Code ?? (fields.Type is null ? OpenAIErrorKinds.CodeFor(statusCode) : null);
        var message = fields.Message is { Length: > 0 } m ? m : TextMessage(body) ?? $"The upstream returned HTTP {statusCode}.";
        return new UpstreamError(status, message, type, code, retryAfter) { Param = fields.Param };
    }

    /// <summary>Reads an OpenAI <c>error</c> object the reader stands on; used for error events inside streams too.</summary>
    public static ErrorFields ReadErrorObject(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new ErrorFields(reader.GetString(), null, null, null, IsOpenAIShape: false);
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return default;
        }

        string? message = null, type = null, code = null, param = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                message = StringOrNull(ref reader);
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = StringOrNull(ref reader);
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                code = StringOrNull(ref reader);
            }
            else if (reader.ValueTextEquals("param"u8))
            {
                reader.Read();
                param = StringOrNull(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new ErrorFields(message, type, code, param, IsOpenAIShape: message is not null);
    }

    private static ErrorFields ReadFields(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read())
            {
                return default;
            }

            // Gemini's compatible endpoint sometimes wraps the error object in an array.
            if (reader.TokenType == JsonTokenType.StartArray && !reader.Read())
            {
                return default;
            }

            return reader.TokenType == JsonTokenType.StartObject ? ReadRoot(ref reader) : default;
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static ErrorFields ReadRoot(ref Utf8JsonReader reader)
    {
        ErrorFields nested = default;
        string? topMessage = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                nested = ReadErrorObject(ref reader);
            }
            else if (reader.ValueTextEquals("message"u8) || reader.ValueTextEquals("detail"u8))
            {
                reader.Read();
                topMessage ??= StringOrNull(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Google-shaped errors inside {"error":{...}} have a numeric code (read as null) and no type: both get derived.
        // vLLM puts message/type/code at the top level; its type names are not OpenAI's, so only the message is kept.
        return nested.Message is not null ? nested : new ErrorFields(topMessage, null, null, null, IsOpenAIShape: false);
    }

    private static string? StringOrNull(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    // A short plain-text body ("upstream connect error", "Internal Server Error") is the best message there is;
    // markup and binary are not.
    private static string? TextMessage(ReadOnlySpan<byte> body)
    {
        var trimmed = body.Trim(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] is (byte)'<' or (byte)'{' or (byte)'[' || !Utf8.IsValid(trimmed))
        {
            return null;
        }

        if (trimmed.Length > MaxTextMessageLength)
        {
            // Cut on a character boundary: never inside a multi-byte sequence.
            var end = MaxTextMessageLength;
            while (end > 0 && (trimmed[end] & 0xC0) == 0x80)
            {
                end--;
            }

            trimmed = trimmed[..end];
        }

        return Encoding.UTF8.GetString(trimmed);
    }
}
