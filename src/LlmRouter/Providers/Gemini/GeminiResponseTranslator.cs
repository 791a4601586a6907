using System.Buffers;
using System.Text;
using System.Text.Json;
using LlmRouter.Configuration;
using LlmRouter.Protocols.OpenAI;

namespace LlmRouter.Providers.Gemini;

/// <summary>Rewrites a Gemini <c>GenerateContentResponse</c> as an OpenAI <c>chat.completion</c> (wire-formats §4.3).</summary>
internal static class GeminiResponseTranslator
{
    /// <exception cref="JsonException">The body is not JSON.</exception>
    public static TranslatedResponse Translate(ReadOnlySpan<byte> body, Deployment deployment, ThoughtSignatureStore signatures, long created)
    {
        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("The Gemini response is not a JSON object.");
        }

        var model = root.TryGetProperty("modelVersion"u8, out var modelVersion) && modelVersion.ValueKind == JsonValueKind.String
            ? modelVersion.GetString()!
            : deployment.UpstreamModel;
        var id = root.TryGetProperty("responseId"u8, out var responseId) && responseId.ValueKind == JsonValueKind.String
            ? "chatcmpl-" + responseId.GetString()
            : OpenAIIds.NewCompletionId();
        TokenUsage? usage = root.TryGetProperty("usageMetadata"u8, out var usageMetadata) && usageMetadata.ValueKind == JsonValueKind.Object
            ? GeminiUsage.Read(usageMetadata)
            : null;

        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, body.Length));
        string? firstFinishReason = null;
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            ChatCompletionWriter.WriteStart(json, id, created, model);
            if (root.TryGetProperty("candidates"u8, out var candidates) && candidates.ValueKind == JsonValueKind.Array && candidates.GetArrayLength() > 0)
            {
                var position = 0;
                foreach (var candidate in candidates.EnumerateArray())
                {
                    var finishReason = WriteChoice(json, candidate, position++, signatures);
                    firstFinishReason ??= finishReason;
                }
            }
            else
            {
                // No candidates: the prompt itself was blocked (promptFeedback.blockReason). Answer 200 with a filtered, empty choice.
                var blocked = root.TryGetProperty("promptFeedback"u8, out var feedback) && feedback.ValueKind == JsonValueKind.Object
                    && feedback.TryGetProperty("blockReason"u8, out _);
                firstFinishReason = blocked ? GeminiFinishReasons.ContentFilter : GeminiFinishReasons.Stop;
                ChatCompletionWriter.WriteChoiceStart(json, 0);
                json.WriteNull("content"u8);
                json.WriteNull("refusal"u8);
                ChatCompletionWriter.WriteChoiceEnd(json, firstFinishReason);
            }

            ChatCompletionWriter.WriteEnd(json, usage);
        }

        return new TranslatedResponse(buffer.WrittenMemory, usage, model, firstFinishReason);
    }

    private static string WriteChoice(Utf8JsonWriter json, JsonElement candidate, int position, ThoughtSignatureStore signatures)
    {
        // Gemini omits a zero index (protobuf default), so fall back to the candidate's position.
        var index = candidate.TryGetProperty("index"u8, out var indexElement) && indexElement.ValueKind == JsonValueKind.Number && indexElement.TryGetInt32(out var reported)
            ? reported
            : position;
        var parts = candidate.TryGetProperty("content"u8, out var content) && content.ValueKind == JsonValueKind.Object
            && content.TryGetProperty("parts"u8, out var partsElement) && partsElement.ValueKind == JsonValueKind.Array
            ? partsElement
            : default;

        ChatCompletionWriter.WriteChoiceStart(json, index);
        var text = JoinText(parts);
        if (text is null)
        {
            json.WriteNull("content"u8);
        }
        else
        {
            json.WriteString("content"u8, text);
        }

        json.WriteNull("refusal"u8);
        var sawFunctionCall = WriteToolCalls(json, parts, signatures);
        var finishReason = GeminiFinishReasons.Map(
            candidate.TryGetProperty("finishReason"u8, out var reason) ? reason : default, sawFunctionCall);
        ChatCompletionWriter.WriteChoiceEnd(json, finishReason);
        return finishReason;
    }

    /// <summary>The non-thought text parts joined, or null when there are none (e.g. a tool-call-only answer).</summary>
    private static string? JoinText(JsonElement parts)
    {
        if (parts.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        string? single = null;
        StringBuilder? builder = null;
        foreach (var part in parts.EnumerateArray())
        {
            if (!IsAnswerText(part, out var text))
            {
                continue;
            }

            var value = text.GetString()!;
            if (single is null)
            {
                single = value;
            }
            else
            {
                builder ??= new StringBuilder(single);
                builder.Append(value);
            }
        }

        return builder?.ToString() ?? single;
    }

    private static bool WriteToolCalls(Utf8JsonWriter json, JsonElement parts, ThoughtSignatureStore signatures)
    {
        if (parts.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var started = false;
        foreach (var part in parts.EnumerateArray())
        {
            if (!TryGetFunctionCall(part, out var name, out var args))
            {
                continue;
            }

            if (!started)
            {
                json.WritePropertyName("tool_calls"u8);
                json.WriteStartArray();
                started = true;
            }

            var id = OpenAIIds.NewToolCallId();
            RememberSignature(part, id, signatures);
            json.WriteStartObject();
            json.WriteString("id"u8, id);
            json.WriteString("type"u8, "function"u8);
            json.WritePropertyName("function"u8);
            json.WriteStartObject();
            json.WriteString("name"u8, name.GetString());
            json.WriteString("arguments"u8, ArgumentsText(args));
            json.WriteEndObject();
            json.WriteEndObject();
        }

        if (started)
        {
            json.WriteEndArray();
        }

        return started;
    }

    /// <summary>A text part that is not a thought summary.</summary>
    internal static bool IsAnswerText(JsonElement part, out JsonElement text)
    {
        text = default;
        return part.ValueKind == JsonValueKind.Object
            && part.TryGetProperty("text"u8, out text) && text.ValueKind == JsonValueKind.String
            && !(part.TryGetProperty("thought"u8, out var thought) && thought.ValueKind == JsonValueKind.True);
    }

    internal static bool TryGetFunctionCall(JsonElement part, out JsonElement name, out JsonElement args)
    {
        name = default;
        args = default;
        if (part.ValueKind != JsonValueKind.Object
            || !part.TryGetProperty("functionCall"u8, out var call) || call.ValueKind != JsonValueKind.Object
            || !call.TryGetProperty("name"u8, out name) || name.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        call.TryGetProperty("args"u8, out args);
        return true;
    }

    /// <summary>OpenAI arguments are JSON text; a call without args gets <c>{}</c>.</summary>
    internal static string ArgumentsText(JsonElement args) => args.ValueKind == JsonValueKind.Object ? args.GetRawText() : "{}";

    /// <summary>Keeps the part's thought signature under the synthesised id so the next request can send it back.</summary>
    internal static void RememberSignature(JsonElement part, string toolCallId, ThoughtSignatureStore signatures)
    {
        if (part.TryGetProperty("thoughtSignature"u8, out var signature) && signature.ValueKind == JsonValueKind.String)
        {
            signatures.Add(toolCallId, signature.GetString()!);
        }
    }
}
