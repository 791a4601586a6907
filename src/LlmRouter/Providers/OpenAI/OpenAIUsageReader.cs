using System.Text.Json;

namespace LlmRouter.Providers.OpenAI;

/// <summary>Reads an OpenAI <c>usage</c> object straight from a reader, for responses and stream chunks alike.</summary>
internal static class OpenAIUsageReader
{
    /// <summary>Reads the object the reader stands on (its <c>StartObject</c>) and leaves the reader at its end.</summary>
    public static TokenUsage Read(ref Utf8JsonReader reader)
    {
        int prompt = 0, completion = 0, cached = 0, reasoning = 0;
        int? total = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                reader.Read();
                prompt = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                reader.Read();
                completion = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("total_tokens"u8))
            {
                reader.Read();
                total = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
            {
                reader.Read();
                cached = ReadNested(ref reader, "cached_tokens"u8);
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8))
            {
                reader.Read();
                reasoning = ReadNested(ref reader, "reasoning_tokens"u8);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Some OpenAI-compatible servers omit the total; it is defined as the sum.
        return new TokenUsage(prompt, completion, total ?? prompt + completion, cached, reasoning);
    }

    private static int ReadNested(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return 0;
        }

        var value = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var wanted = reader.ValueTextEquals(name);
            reader.Read();
            if (wanted)
            {
                value = ReadCount(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        return value;
    }

    // Counts are integers on the wire; null (seen on compatible servers) and anything odd count as zero.
    private static int ReadCount(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            reader.Skip();
            return 0;
        }

        if (reader.TryGetInt32(out var value))
        {
            return Math.Max(value, 0);
        }

        return reader.TryGetDouble(out var number) && number > 0 ? (int)Math.Min(number, int.MaxValue) : 0;
    }
}
