using System.Buffers;
using System.Text;
using System.Text.Json;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Providers;

namespace LlmRouter.Protocols.Anthropic;

/// <summary>
/// Rewrites a provider's translated OpenAI <c>chat.completion</c> as an Anthropic <c>message</c>: content as a text
/// block, tool calls as <c>tool_use</c> blocks (arguments parsed into <c>input</c>), finish reason as
/// <c>stop_reason</c>, usage with Anthropic's split of cached input tokens.
/// </summary>
internal static class AnthropicMessageWriter
{
    /// <summary>OpenAI finish reason → Anthropic stop reason.</summary>
    public static string ToStopReason(string? finishReason) => finishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" or "function_call" => "tool_use",
        "content_filter" => "refusal",

        // OpenAI and Gemini do not say whether a stop sequence or the model ended the turn.
        _ => "end_turn",
    };

    /// <summary>An Anthropic <c>usage</c> object: <c>input_tokens</c> excludes cached tokens, which are reported beside it.</summary>
    public static void WriteUsage(Utf8JsonWriter json, TokenUsage? usage, int inputTokensIfUnknown)
    {
        var cached = usage?.CachedTokens ?? 0;
        json.WriteStartObject();
        json.WriteNumber("input_tokens"u8, Math.Max(0, (usage?.PromptTokens ?? inputTokensIfUnknown) - cached));
        json.WriteNumber("output_tokens"u8, usage?.CompletionTokens ?? 0);
        json.WriteNumber("cache_creation_input_tokens"u8, 0);
        json.WriteNumber("cache_read_input_tokens"u8, cached);
        json.WriteEndObject();
    }

    /// <exception cref="JsonException">The completion is not a JSON object of the expected shape.</exception>
    public static TranslatedResponse Write(TranslatedResponse completion, string requestedModel)
    {
        try
        {
            return WriteMessage(completion, requestedModel);
        }
        catch (InvalidOperationException ex)
        {
            // An OpenAI upstream's body passes its adapter nearly verbatim: a value of the wrong kind is a malformed response.
            throw new JsonException("The completion has an unexpected shape.", ex);
        }
    }

    private static TranslatedResponse WriteMessage(TranslatedResponse completion, string requestedModel)
    {
        var reader = new Utf8JsonReader(completion.Body.Span);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("The completion is not a JSON object.");
        }

        var message = root.TryGetProperty("choices"u8, out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0
            && choices[0].TryGetProperty("message"u8, out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        var finish = completion.FinishReason
            ?? (choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0 && choices[0].TryGetProperty("finish_reason"u8, out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null);

        var buffer = new ArrayBufferWriter<byte>(completion.Body.Length + 256);
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            json.WriteStartObject();
            json.WriteString("id"u8, AnthropicIds.NewMessageId());
            json.WriteString("type"u8, "message"u8);
            json.WriteString("role"u8, "assistant"u8);
            json.WriteString("model"u8, completion.ResponseModel ?? requestedModel);
            json.WritePropertyName("content"u8);
            json.WriteStartArray();
            if (message.ValueKind == JsonValueKind.Object)
            {
                WriteContent(json, message);
            }

            json.WriteEndArray();
            json.WriteString("stop_reason"u8, ToStopReason(finish));
            json.WriteNull("stop_sequence"u8);
            json.WritePropertyName("usage"u8);
            WriteUsage(json, completion.Usage, 0);
            json.WriteEndObject();
        }

        return completion with { Body = buffer.WrittenMemory };
    }

    private static void WriteContent(Utf8JsonWriter json, JsonElement message)
    {
        if (message.TryGetProperty("content"u8, out var content) && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 } text)
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "text"u8);
            json.WriteString("text"u8, text);
            json.WriteEndObject();
        }

        if (!message.TryGetProperty("tool_calls"u8, out var calls) || calls.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var call in calls.EnumerateArray())
        {
            if (!call.TryGetProperty("function"u8, out var function) || function.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            json.WriteStartObject();
            json.WriteString("type"u8, "tool_use"u8);
            json.WriteString("id"u8, call.TryGetProperty("id"u8, out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : OpenAIIds.NewToolCallId());
            json.WriteString("name"u8, function.TryGetProperty("name"u8, out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : "");
            json.WritePropertyName("input"u8);
            WriteInput(json, function.TryGetProperty("arguments"u8, out var arguments) && arguments.ValueKind == JsonValueKind.String ? arguments.GetString() : null);
            json.WriteEndObject();
        }
    }

    // Anthropic's input is an object; arguments that are not one (malformed model output) become an empty object.
    private static void WriteInput(Utf8JsonWriter json, string? arguments)
    {
        if (!string.IsNullOrWhiteSpace(arguments))
        {
            try
            {
                using var parsed = JsonDocument.Parse(Encoding.UTF8.GetBytes(arguments));
                if (parsed.RootElement.ValueKind == JsonValueKind.Object)
                {
                    parsed.RootElement.WriteTo(json);
                    return;
                }
            }
            catch (JsonException)
            {
            }
        }

        json.WriteStartObject();
        json.WriteEndObject();
    }
}
