using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using LlmRouter.Chat;
using LlmRouter.Providers;

namespace LlmRouter.Protocols.Anthropic;

/// <summary>
/// Validates an Anthropic Messages body and writes it as the gateway's internal OpenAI-shaped chat request, so routing,
/// policies, limits and the upstream adapters see one model. The mapping (README "Anthropic API" has the table):
/// <c>system</c> → a system message; <c>tool_use</c> blocks → <c>tool_calls</c>; <c>tool_result</c> blocks → <c>tool</c>
/// messages (before the rest of their user turn); images → <c>image_url</c> parts; <c>stop_sequences</c> → <c>stop</c>;
/// <c>tool_choice</c> any/tool/none and <c>disable_parallel_tool_use</c> → their OpenAI forms; <c>metadata.user_id</c> →
/// <c>user</c>; <c>output_config.format</c> json_schema → <c>response_format</c>. Dropped on purpose: <c>thinking</c>,
/// thinking blocks, <c>cache_control</c>, <c>top_k</c>, <c>service_tier</c>, <c>tool_result.is_error</c>. Documents,
/// server tools and other blocks without an equivalent make the request <see cref="AnthropicRequest.Untranslatable"/>.
/// </summary>
internal static class AnthropicRequestReader
{
    private const int MaxDepth = 128;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    // As deep as the parser accepts: a schema nested past the writer's default of 64 is still the client's to send.
    private static readonly JsonWriterOptions WriterOptions = JsonOutput.Options with { MaxDepth = MaxDepth };

    /// <param name="body">The client's UTF-8 body.</param>
    /// <param name="countTokens">A <c>count_tokens</c> body: the same shape without <c>max_tokens</c>.</param>
    /// <exception cref="InvalidRequestException">The body is not a valid Messages request.</exception>
    public static AnthropicRequest Read(ReadOnlyMemory<byte> body, bool countTokens = false)
    {
        if (!Utf8.IsValid(body.Span))
        {
            throw Invalid("The request body is not valid UTF-8 JSON.", null);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException)
        {
            throw Invalid("The request body is not valid JSON.", null);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("The request body must be a JSON object.", null);
            }

            var state = new State();
            var buffer = new ArrayBufferWriter<byte>(body.Length + 256);
            try
            {
                using var json = new Utf8JsonWriter(buffer, WriterOptions);
                Write(root, json, state, countTokens);
            }
            catch (InvalidOperationException)
            {
                // A string with a lone surrogate escape cannot be decoded (JsonElement.GetString throws).
                throw Invalid("The request body contains a string that is not valid Unicode (a lone surrogate escape).", null);
            }

            return new AnthropicRequest(body, buffer.WrittenSpan.ToArray(), state.Untranslatable);
        }
    }

    private static void Write(JsonElement root, Utf8JsonWriter json, State state, bool countTokens)
    {
        json.WriteStartObject();
        json.WriteString("model"u8, RequiredString(root, "model"));

        var maxTokens = countTokens && !root.TryGetProperty("max_tokens", out _) ? 1 : RequiredInt(root, "max_tokens");
        if (maxTokens > 0)
        {
            json.WriteNumber("max_completion_tokens"u8, maxTokens);
        }
        else
        {
            // max_tokens 0 only pre-warms Anthropic's prompt cache.
            state.Mark("max_tokens");
        }

        var stream = OptionalBool(root, "stream");
        if (stream)
        {
            json.WriteBoolean("stream"u8, true);

            // The Anthropic events carry usage; the internal stream must report it whatever the upstream.
            json.WritePropertyName("stream_options"u8);
            json.WriteStartObject();
            json.WriteBoolean("include_usage"u8, true);
            json.WriteEndObject();
        }

        WriteNumber(root, json, "temperature", "temperature"u8, 0, 1);
        WriteNumber(root, json, "top_p", "top_p"u8, 0, 1);
        if (root.TryGetProperty("top_k", out var topK) && topK.ValueKind is not (JsonValueKind.Number or JsonValueKind.Null))
        {
            throw TypeError("top_k", "an integer");
        }

        WriteStop(root, json, state);
        WriteUser(root, json);
        WriteOutputFormat(root, json, state);
        var hasTools = WriteTools(root, json, state);
        WriteToolChoice(root, json, hasTools);

        json.WritePropertyName("messages"u8);
        json.WriteStartArray();
        WriteSystem(root, json, state);
        WriteMessages(root, json, state);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteSystem(JsonElement root, Utf8JsonWriter json, State state)
    {
        if (!root.TryGetProperty("system", out var system) || system.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (system.ValueKind == JsonValueKind.String)
        {
            json.WriteStartObject();
            json.WriteString("role"u8, "system"u8);
            json.WritePropertyName("content"u8);
            system.WriteTo(json);
            json.WriteEndObject();
            return;
        }

        if (system.ValueKind != JsonValueKind.Array)
        {
            throw TypeError("system", "a string or an array of text blocks");
        }

        json.WriteStartObject();
        json.WriteString("role"u8, "system"u8);
        json.WritePropertyName("content"u8);
        json.WriteStartArray();
        var index = 0;
        foreach (var block in system.EnumerateArray())
        {
            var path = $"system.{index++}";
            if (BlockType(block, path) != "text")
            {
                state.Mark(path);
                continue;
            }

            WriteTextPart(json, RequiredString(block, "text", path + ".text"));
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteMessages(JsonElement root, Utf8JsonWriter json, State state)
    {
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind == JsonValueKind.Null)
        {
            throw Invalid("messages: Field required", "messages");
        }

        if (messages.ValueKind != JsonValueKind.Array)
        {
            throw TypeError("messages", "an array");
        }

        if (messages.GetArrayLength() == 0)
        {
            throw Invalid("messages: at least one message is required", "messages");
        }

        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var path = $"messages.{index++}";
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw TypeError(path, "an object");
            }

            var role = RequiredString(message, "role", path + ".role");
            if (!message.TryGetProperty("content", out var content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
            {
                throw Invalid($"{path}.content: Field required (a string or an array of content blocks)", path + ".content");
            }

            switch (role)
            {
                case "user":
                    WriteUserTurn(json, content, path, state);
                    break;
                case "assistant":
                    WriteAssistantTurn(json, content, path, state);
                    break;
                default:
                    throw Invalid($"{path}.role: Input should be 'user' or 'assistant'", path + ".role");
            }
        }
    }

    private static void WriteUserTurn(Utf8JsonWriter json, JsonElement content, string path, State state)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            WriteMessage(json, "user"u8, content);
            return;
        }

        // Tool results answer the previous assistant turn, so they come first, as OpenAI tool messages.
        var others = 0;
        var index = 0;
        foreach (var block in content.EnumerateArray())
        {
            var blockPath = $"{path}.content.{index++}";
            if (BlockType(block, blockPath) == "tool_result")
            {
                WriteToolResult(json, block, blockPath);
            }
            else
            {
                others++;
            }
        }

        if (others == 0)
        {
            return;
        }

        json.WriteStartObject();
        json.WriteString("role"u8, "user"u8);
        json.WritePropertyName("content"u8);
        json.WriteStartArray();
        index = 0;
        foreach (var block in content.EnumerateArray())
        {
            var blockPath = $"{path}.content.{index++}";
            switch (BlockType(block, blockPath))
            {
                case "tool_result":
                    break;
                case "text":
                    WriteTextPart(json, RequiredString(block, "text", blockPath + ".text"));
                    break;
                case "image":
                    WriteImagePart(json, block, blockPath, state);
                    break;
                case "thinking" or "redacted_thinking":
                    break;
                default:
                    state.Mark(blockPath);
                    break;
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteAssistantTurn(Utf8JsonWriter json, JsonElement content, string path, State state)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            WriteMessage(json, "assistant"u8, content);
            return;
        }

        string? text = null;
        var toolCalls = 0;
        var index = 0;
        foreach (var block in content.EnumerateArray())
        {
            var blockPath = $"{path}.content.{index++}";
            switch (BlockType(block, blockPath))
            {
                case "text":
                    text += RequiredString(block, "text", blockPath + ".text");
                    break;
                case "tool_use":
                    toolCalls++;
                    break;
                case "thinking" or "redacted_thinking":
                    break;
                default:
                    state.Mark(blockPath);
                    break;
            }
        }

        json.WriteStartObject();
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("content"u8, text);
        if (toolCalls > 0)
        {
            json.WritePropertyName("tool_calls"u8);
            json.WriteStartArray();
            index = 0;
            foreach (var block in content.EnumerateArray())
            {
                var blockPath = $"{path}.content.{index++}";
                if (BlockType(block, blockPath) != "tool_use")
                {
                    continue;
                }

                json.WriteStartObject();
                json.WriteString("id"u8, RequiredString(block, "id", blockPath + ".id"));
                json.WriteString("type"u8, "function"u8);
                json.WritePropertyName("function"u8);
                json.WriteStartObject();
                json.WriteString("name"u8, RequiredString(block, "name", blockPath + ".name"));
                json.WriteString("arguments"u8, block.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Object ? input.GetRawText() : "{}");
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteToolResult(Utf8JsonWriter json, JsonElement block, string path)
    {
        json.WriteStartObject();
        json.WriteString("role"u8, "tool"u8);
        json.WriteString("tool_call_id"u8, RequiredString(block, "tool_use_id", path + ".tool_use_id"));
        if (!block.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            json.WriteString("content"u8, ""u8);
        }
        else if (content.ValueKind == JsonValueKind.String)
        {
            json.WritePropertyName("content"u8);
            content.WriteTo(json);
        }
        else if (content.ValueKind == JsonValueKind.Array)
        {
            // OpenAI tool messages carry text only; images in a tool result are dropped.
            json.WritePropertyName("content"u8);
            json.WriteStartArray();
            foreach (var part in content.EnumerateArray())
            {
                if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var type) && type.ValueEquals("text"u8)
                    && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    json.WriteStartObject();
                    json.WriteString("type"u8, "text"u8);
                    json.WritePropertyName("text"u8);
                    text.WriteTo(json);
                    json.WriteEndObject();
                }
            }

            json.WriteEndArray();
        }
        else
        {
            throw TypeError(path + ".content", "a string or an array of content blocks");
        }

        json.WriteEndObject();
    }

    private static void WriteImagePart(Utf8JsonWriter json, JsonElement block, string path, State state)
    {
        if (!block.TryGetProperty("source", out var source) || source.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"{path}.source: Field required", path + ".source");
        }

        var kind = RequiredString(source, "type", path + ".source.type");
        string url;
        if (kind == "base64")
        {
            url = $"data:{RequiredString(source, "media_type", path + ".source.media_type")};base64,{RequiredString(source, "data", path + ".source.data")}";
        }
        else if (kind == "url")
        {
            url = RequiredString(source, "url", path + ".source.url");
        }
        else
        {
            state.Mark(path + ".source");
            return;
        }

        json.WriteStartObject();
        json.WriteString("type"u8, "image_url"u8);
        json.WritePropertyName("image_url"u8);
        json.WriteStartObject();
        json.WriteString("url"u8, url);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static bool WriteTools(JsonElement root, Utf8JsonWriter json, State state)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        if (tools.ValueKind != JsonValueKind.Array)
        {
            throw TypeError("tools", "an array");
        }

        if (tools.GetArrayLength() == 0)
        {
            return false;
        }

        json.WritePropertyName("tools"u8);
        json.WriteStartArray();
        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var path = $"tools.{index++}";
            if (tool.ValueKind != JsonValueKind.Object)
            {
                throw TypeError(path, "an object");
            }

            var name = RequiredString(tool, "name", path + ".name");
            if (tool.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && !type.ValueEquals("custom"u8))
            {
                // A server tool (web search, bash, computer use…) runs at Anthropic; no other provider has it.
                state.Mark(path);
                continue;
            }

            json.WriteStartObject();
            json.WriteString("type"u8, "function"u8);
            json.WritePropertyName("function"u8);
            json.WriteStartObject();
            json.WriteString("name"u8, name);
            if (tool.TryGetProperty("description", out var description) && description.ValueKind == JsonValueKind.String)
            {
                json.WritePropertyName("description"u8);
                description.WriteTo(json);
            }

            json.WritePropertyName("parameters"u8);
            if (tool.TryGetProperty("input_schema", out var schema) && schema.ValueKind == JsonValueKind.Object)
            {
                schema.WriteTo(json);
            }
            else
            {
                throw Invalid($"{path}.input_schema: Field required", path + ".input_schema");
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        return true;
    }

    private static void WriteToolChoice(JsonElement root, Utf8JsonWriter json, bool hasTools)
    {
        if (!root.TryGetProperty("tool_choice", out var choice) || choice.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (choice.ValueKind != JsonValueKind.Object)
        {
            throw TypeError("tool_choice", "an object");
        }

        var type = RequiredString(choice, "type", "tool_choice.type");
        if (choice.TryGetProperty("disable_parallel_tool_use", out var disable) && disable.ValueKind == JsonValueKind.True && hasTools)
        {
            json.WriteBoolean("parallel_tool_calls"u8, false);
        }

        if (!hasTools)
        {
            // OpenAI refuses tool_choice without tools; without tools there is nothing to choose.
            return;
        }

        switch (type)
        {
            case "auto":
                json.WriteString("tool_choice"u8, "auto"u8);
                break;
            case "any":
                json.WriteString("tool_choice"u8, "required"u8);
                break;
            case "none":
                json.WriteString("tool_choice"u8, "none"u8);
                break;
            case "tool":
                json.WritePropertyName("tool_choice"u8);
                json.WriteStartObject();
                json.WriteString("type"u8, "function"u8);
                json.WritePropertyName("function"u8);
                json.WriteStartObject();
                json.WriteString("name"u8, RequiredString(choice, "name", "tool_choice.name"));
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            default:
                throw Invalid($"tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'", "tool_choice.type");
        }
    }

    private static void WriteStop(JsonElement root, Utf8JsonWriter json, State state)
    {
        if (!root.TryGetProperty("stop_sequences", out var stops) || stops.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (stops.ValueKind != JsonValueKind.Array)
        {
            throw TypeError("stop_sequences", "an array of strings");
        }

        foreach (var stop in stops.EnumerateArray())
        {
            if (stop.ValueKind != JsonValueKind.String)
            {
                throw TypeError("stop_sequences", "an array of strings");
            }
        }

        var count = stops.GetArrayLength();
        if (count == 0)
        {
            return;
        }

        if (count > 4)
        {
            // OpenAI takes at most four stop sequences.
            state.Mark("stop_sequences");
            return;
        }

        json.WritePropertyName("stop"u8);
        stops.WriteTo(json);
    }

    private static void WriteUser(JsonElement root, Utf8JsonWriter json)
    {
        if (root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("user_id", out var userId) && userId.ValueKind == JsonValueKind.String)
        {
            json.WritePropertyName("user"u8);
            userId.WriteTo(json);
        }
    }

    private static void WriteOutputFormat(JsonElement root, Utf8JsonWriter json, State state)
    {
        if (!root.TryGetProperty("output_config", out var config) || config.ValueKind != JsonValueKind.Object
            || !config.TryGetProperty("format", out var format) || format.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (format.ValueKind != JsonValueKind.Object || !format.TryGetProperty("type", out var type) || !type.ValueEquals("json_schema"u8)
            || !format.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
        {
            state.Mark("output_config.format");
            return;
        }

        json.WritePropertyName("response_format"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "json_schema"u8);
        json.WritePropertyName("json_schema"u8);
        json.WriteStartObject();
        json.WriteString("name"u8, "output"u8);
        json.WritePropertyName("schema"u8);
        schema.WriteTo(json);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter json, ReadOnlySpan<byte> role, JsonElement content)
    {
        json.WriteStartObject();
        json.WriteString("role"u8, role);
        json.WritePropertyName("content"u8);
        content.WriteTo(json);
        json.WriteEndObject();
    }

    private static void WriteTextPart(Utf8JsonWriter json, string text)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "text"u8);
        json.WriteString("text"u8, text);
        json.WriteEndObject();
    }

    private static void WriteNumber(JsonElement root, Utf8JsonWriter json, string name, ReadOnlySpan<byte> target, double min, double max)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw TypeError(name, "a number");
        }

        var number = value.GetDouble();
        if (number < min || number > max)
        {
            throw Invalid($"{name}: Input should be between {min} and {max}", name);
        }

        json.WriteNumber(target, number);
    }

    private static string BlockType(JsonElement block, string path)
    {
        if (block.ValueKind != JsonValueKind.Object || !block.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            throw Invalid($"{path}: each content block must be an object with a 'type'", path);
        }

        return type.GetString()!;
    }

    private static string RequiredString(JsonElement obj, string name, string? path = null)
    {
        path ??= name;
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw Invalid($"{path}: Field required", path);
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw TypeError(path, "a string");
        }

        return value.GetString()!;
    }

    private static int RequiredInt(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw Invalid($"{name}: Field required", name);
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            throw TypeError(name, "an integer");
        }

        return number >= 0 ? number : throw Invalid($"{name}: Input should be greater than or equal to 0", name);
    }

    private static bool OptionalBool(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw TypeError(name, "a boolean"),
        };
    }

    private static InvalidRequestException Invalid(string message, string? param) => new(message, param);

    private static InvalidRequestException TypeError(string param, string expected) => new($"{param}: Input should be {expected}", param, "invalid_type");

    private sealed class State
    {
        public string? Untranslatable { get; private set; }

        public void Mark(string param) => Untranslatable ??= param;
    }
}
