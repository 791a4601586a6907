using System.Text.Json;

namespace LlmRouter.Providers.OpenAI;

/// <summary>
/// Extracts accounting facts (usage, model, first finish reason) from an OpenAI <c>chat.completion</c> with one
/// forward reader pass; the body itself goes to the client unchanged.
/// </summary>
internal static class OpenAIResponseReader
{
    public static TranslatedResponse Read(ReadOnlyMemory<byte> body)
    {
        TokenUsage? usage = null;
        string? model = null;
        string? finishReason = null;

        // A body that is not a JSON object is a broken upstream answer: JsonException makes the gateway answer 502
        // and retry elsewhere, as for the other providers, instead of passing garbage on as a success.
        var reader = new Utf8JsonReader(body.Span);
        if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    model = reader.TokenType == JsonTokenType.String ? reader.GetString() : model;
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        usage = OpenAIUsageReader.Read(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    finishReason = ReadFirstFinishReason(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }

        if (model is null && usage is null && finishReason is null)
        {
            throw new JsonException("The upstream response is not a chat completion.");
        }

        // Pass-through: the client gets the upstream bytes themselves, no copy.
        return new TranslatedResponse(body, usage, model, finishReason);
    }

    private static string? ReadFirstFinishReason(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        string? finishReason = null;
        var first = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (!first || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            first = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isFinishReason = reader.ValueTextEquals("finish_reason"u8);
                reader.Read();
                if (isFinishReason && reader.TokenType == JsonTokenType.String)
                {
                    finishReason = reader.ValueIsEscaped ? reader.GetString() : OpenAIFinishReasons.FromUtf8(reader.ValueSpan);
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        return finishReason;
    }
}
