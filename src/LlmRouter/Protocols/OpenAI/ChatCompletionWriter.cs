using System.Text.Json;
using LlmRouter.Providers;

namespace LlmRouter.Protocols.OpenAI;

/// <summary>
/// Writes the envelope of a non-streaming OpenAI <c>chat.completion</c> (id, object, created, model, choices, usage)
/// and each choice's frame, so that every translated response has the same shape; the caller writes each message's
/// content, refusal and tool calls between <see cref="WriteChoiceStart"/> and <see cref="WriteChoiceEnd"/>.
/// </summary>
internal static class ChatCompletionWriter
{
    /// <summary>Opens the completion object and its <c>choices</c> array.</summary>
    public static void WriteStart(Utf8JsonWriter json, string id, long created, string model)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, id);
        json.WriteString("object"u8, "chat.completion"u8);
        json.WriteNumber("created"u8, created);
        json.WriteString("model"u8, model);
        json.WritePropertyName("choices"u8);
        json.WriteStartArray();
    }

    /// <summary>Opens a choice and its assistant message.</summary>
    public static void WriteChoiceStart(Utf8JsonWriter json, int index)
    {
        json.WriteStartObject();
        json.WriteNumber("index"u8, index);
        json.WritePropertyName("message"u8);
        json.WriteStartObject();
        json.WriteString("role"u8, "assistant"u8);
    }

    /// <summary>Closes the message and the choice, with its finish reason.</summary>
    public static void WriteChoiceEnd(Utf8JsonWriter json, string finishReason)
    {
        json.WriteEndObject();
        json.WriteNull("logprobs"u8);
        json.WriteString("finish_reason"u8, finishReason);
        json.WriteEndObject();
    }

    /// <summary>Closes the <c>choices</c> array, writes <c>usage</c> when the upstream reported it, and closes the completion.</summary>
    public static void WriteEnd(Utf8JsonWriter json, TokenUsage? usage)
    {
        json.WriteEndArray();
        if (usage is { } tokens)
        {
            json.WritePropertyName("usage"u8);
            tokens.WriteTo(json);
        }

        json.WriteEndObject();
    }
}
