using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols.OpenAI;

namespace LlmRouter.Providers.Anthropic;

/// <summary>
/// Rewrites a non-streaming Anthropic <c>message</c> as an OpenAI <c>chat.completion</c>: text blocks joined into
/// <c>content</c> (null when there is none), <c>tool_use</c> blocks as <c>tool_calls</c>, thinking blocks dropped,
/// and the synthetic JSON tool's input returned as content with finish reason <c>stop</c>.
/// </summary>
internal static class AnthropicResponseTranslator
{
    /// <exception cref="JsonException">The body is not a JSON object.</exception>
    public static TranslatedResponse Translate(ReadOnlySpan<byte> body, ChatRequest request, Deployment deployment, TimeProvider time)
    {
        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("The upstream response is not a JSON object.");
        }

        var model = root.TryGetProperty("model"u8, out var modelElement) && modelElement.ValueKind == JsonValueKind.String && modelElement.GetString() is { Length: > 0 } upstreamModel
            ? upstreamModel
            : deployment.UpstreamModel;
        var id = root.TryGetProperty("id"u8, out var idElement) && idElement.ValueKind == JsonValueKind.String && idElement.GetString() is { Length: > 0 } upstreamId
            ? upstreamId
            : OpenAIIds.NewCompletionId();

        var content = root.TryGetProperty("content"u8, out var contentElement) && contentElement.ValueKind == JsonValueKind.Array
            ? contentElement
            : default;
        var jsonInput = AnthropicRequestTranslator.UsesJsonTool(request) ? FindJsonToolInput(content) : default;
        var toolCallCount = CountToolCalls(content, jsonInput.ValueKind != JsonValueKind.Undefined);

        var finishReason = root.TryGetProperty("stop_reason"u8, out var stopReason) && stopReason.ValueKind == JsonValueKind.String
            ? AnthropicStopReasons.ToFinishReason(stopReason)
            : "stop";
        if (jsonInput.ValueKind != JsonValueKind.Undefined && toolCallCount == 0 && finishReason == "tool_calls")
        {
            finishReason = "stop";
        }

        TokenUsage? usage = null;
        if (root.TryGetProperty("usage"u8, out var usageElement) && usageElement.ValueKind == JsonValueKind.Object)
        {
            var counts = default(AnthropicUsage);
            counts.Update(usageElement);
            usage = counts.ToTokenUsage();
        }

        var buffer = new ArrayBufferWriter<byte>(body.Length + 256);
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            ChatCompletionWriter.WriteStart(json, id, OpenAIIds.Now(time), model);
            ChatCompletionWriter.WriteChoiceStart(json, 0);
            WriteContent(json, content, jsonInput);
            json.WriteNull("refusal"u8);
            if (toolCallCount > 0)
            {
                WriteToolCalls(json, content, jsonInput.ValueKind != JsonValueKind.Undefined);
            }

            ChatCompletionWriter.WriteChoiceEnd(json, finishReason);
            ChatCompletionWriter.WriteEnd(json, usage);
        }

        return new TranslatedResponse(buffer.WrittenMemory, usage, model, finishReason);
    }

    private static void WriteContent(Utf8JsonWriter json, JsonElement content, JsonElement jsonInput)
    {
        if (jsonInput.ValueKind != JsonValueKind.Undefined)
        {
            // The client asked for JSON: the tool input is the answer, any preamble text is not.
            json.WriteString("content"u8, JsonMarshal.GetRawUtf8Value(jsonInput));
            return;
        }

        JsonElement single = default;
        StringBuilder? joined = null;
        if (content.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in content.EnumerateArray())
            {
                if (!IsBlock(block, "text"u8) || !block.TryGetProperty("text"u8, out var text) || text.ValueKind != JsonValueKind.String)
                {
                    continue;
                }

                if (single.ValueKind == JsonValueKind.Undefined)
                {
                    single = text;
                    continue;
                }

                joined ??= new StringBuilder(single.GetString());
                joined.Append(text.GetString());
            }
        }

        if (joined is not null)
        {
            json.WriteString("content"u8, joined.ToString());
        }
        else if (single.ValueKind == JsonValueKind.String)
        {
            // One text block (the usual case): copy the upstream's escaped string without decoding it.
            json.WritePropertyName("content"u8);
            json.WriteRawValue(JsonMarshal.GetRawUtf8Value(single), skipInputValidation: true);
        }
        else
        {
            json.WriteNull("content"u8);
        }
    }

    private static void WriteToolCalls(Utf8JsonWriter json, JsonElement content, bool skipJsonTool)
    {
        json.WritePropertyName("tool_calls"u8);
        json.WriteStartArray();
        foreach (var block in content.EnumerateArray())
        {
            if (!IsToolCall(block, skipJsonTool))
            {
                continue;
            }

            json.WriteStartObject();
            json.WriteString("id"u8, block.TryGetProperty("id"u8, out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } toolId
                ? toolId
                : OpenAIIds.NewToolCallId());
            json.WriteString("type"u8, "function"u8);
            json.WritePropertyName("function"u8);
            json.WriteStartObject();
            json.WritePropertyName("name"u8);
            block.GetProperty("name"u8).WriteTo(json);
            if (block.TryGetProperty("input"u8, out var input) && input.ValueKind == JsonValueKind.Object)
            {
                json.WriteString("arguments"u8, JsonMarshal.GetRawUtf8Value(input));
            }
            else
            {
                json.WriteString("arguments"u8, "{}"u8);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static JsonElement FindJsonToolInput(JsonElement content)
    {
        if (content.ValueKind != JsonValueKind.Array)
        {
            return default;
        }

        foreach (var block in content.EnumerateArray())
        {
            if (IsBlock(block, "tool_use"u8) && block.TryGetProperty("name"u8, out var name) && name.ValueEquals(AnthropicRequestTranslator.JsonToolName)
                && block.TryGetProperty("input"u8, out var input))
            {
                return input;
            }
        }

        return default;
    }

    private static int CountToolCalls(JsonElement content, bool skipJsonTool)
    {
        if (content.ValueKind != JsonValueKind.Array)
        {
            return 0;
        }

        var count = 0;
        foreach (var block in content.EnumerateArray())
        {
            if (IsToolCall(block, skipJsonTool))
            {
                count++;
            }
        }

        return count;
    }

    private static bool IsToolCall(JsonElement block, bool skipJsonTool)
        => IsBlock(block, "tool_use"u8)
            && block.TryGetProperty("name"u8, out var name) && name.ValueKind == JsonValueKind.String
            && !(skipJsonTool && name.ValueEquals(AnthropicRequestTranslator.JsonToolName));

    private static bool IsBlock(JsonElement block, ReadOnlySpan<byte> type)
        => block.ValueKind == JsonValueKind.Object && block.TryGetProperty("type"u8, out var blockType) && blockType.ValueEquals(type);
}
