using System.Text.Json;
using System.Text.Unicode;
using LlmRouter.Chat;

namespace LlmRouter.Protocols.OpenAI;

/// <summary>
/// Parses and validates a chat-completions body once. Every refusal is an <see cref="InvalidRequestException"/>
/// whose message and <c>param</c> follow OpenAI's own wording, so clients see the errors they already handle.
/// </summary>
internal static class ChatRequestParser
{
    private const string UnparsableBody = "We could not parse the JSON body of your request. The body must be valid JSON.";

    // Duplicate names are refused: the gateway and the upstream could otherwise read different values of one field.
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = JsonLimits.MaxDepth, AllowDuplicateProperties = false };

    public static ChatRequest Parse(ReadOnlyMemory<byte> body)
    {
        // JsonDocument does not validate UTF-8 inside strings; GetString would throw later (a 500) on any of them.
        if (!Utf8.IsValid(body.Span))
        {
            throw new InvalidRequestException(UnparsableBody, null);
        }

        try
        {
            JsonBodyScanner.Validate(body.Span);
        }
        catch (JsonException)
        {
            throw new InvalidRequestException(UnparsableBody, null);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            // The scan above accepted the grammar and the depth: what is left is a duplicate property name.
            var param = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
            throw new InvalidRequestException(
                param is null ? "Invalid JSON body: duplicate property names are not allowed." : $"Invalid '{param}': duplicate property names are not allowed.",
                param,
                "duplicate_property");
        }

        try
        {
            return Build(document, body);
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    private static ChatRequest Build(JsonDocument document, ReadOnlyMemory<byte> body)
    {
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidRequestException("The request body must be a JSON object.", null);
        }

        var model = RequiredString(root, "model");
        var messages = ValidateMessages(root);
        var stream = OptionalBool(root, "stream") ?? false;

        var includeUsage = false;
        if (root.TryGetProperty("stream_options", out var streamOptions) && streamOptions.ValueKind != JsonValueKind.Null)
        {
            if (!stream)
            {
                throw new InvalidRequestException(
                    "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options");
            }

            if (streamOptions.ValueKind != JsonValueKind.Object)
            {
                throw TypeError("stream_options", "an object");
            }

            includeUsage = OptionalBool(streamOptions, "include_usage", "stream_options.include_usage") ?? false;
        }

        // Read by the translators without further checks: validated here once.
        OptionalNumber(root, "presence_penalty", -2, 2);
        OptionalNumber(root, "frequency_penalty", -2, 2);

        var maxTokens = OptionalInt(root, "max_completion_tokens", 1) ?? OptionalInt(root, "max_tokens", 1);
        var n = OptionalInt(root, "n", 1, 128) ?? 1;

        return new ChatRequest(document, body)
        {
            Model = model,
            Messages = messages,
            Stream = stream,
            IncludeUsage = includeUsage,
            MaxTokens = maxTokens,
            Temperature = OptionalNumber(root, "temperature", 0, 2),
            TopP = OptionalNumber(root, "top_p", 0, 1),
            N = n,
            Stop = ParseStop(root),
            Tools = ValidateTools(root),
            ToolChoice = ParseToolChoice(root),
            ParallelToolCalls = OptionalBool(root, "parallel_tool_calls"),
            ResponseFormat = ValidateResponseFormat(root),
            User = OptionalString(root, "user"),
            Seed = OptionalLong(root, "seed"),
            Metadata = ValidateMetadata(root),
        };
    }

    private static JsonElement ValidateMessages(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind == JsonValueKind.Null)
        {
            throw new InvalidRequestException("Missing required parameter: 'messages'.", "messages");
        }

        if (messages.ValueKind != JsonValueKind.Array)
        {
            throw TypeError("messages", "an array");
        }

        if (messages.GetArrayLength() == 0)
        {
            throw new InvalidRequestException("Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages");
        }

        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            ValidateMessage(message, index++);
        }

        return messages;
    }

    private static void ValidateMessage(JsonElement message, int index)
    {
        var path = $"messages[{index}]";
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw TypeError(path, "an object");
        }

        if (!message.TryGetProperty("role", out var roleElement) || roleElement.ValueKind != JsonValueKind.String)
        {
            throw new InvalidRequestException($"Missing required parameter: '{path}.role'.", $"{path}.role");
        }

        var role = roleElement.GetString();
        var hasContent = message.TryGetProperty("content", out var content) && content.ValueKind != JsonValueKind.Null;
        if (hasContent && content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            throw TypeError($"{path}.content", "a string or an array of content parts");
        }

        if (hasContent && content.ValueKind == JsonValueKind.Array)
        {
            var partIndex = 0;
            foreach (var part in content.EnumerateArray())
            {
                var partPath = $"{path}.content[{partIndex++}]";
                if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                {
                    throw new InvalidRequestException($"Invalid '{partPath}': each content part must be an object with a 'type'.", partPath);
                }
            }
        }

        if (message.TryGetProperty("name", out var name) && name.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
        {
            throw TypeError($"{path}.name", "a string");
        }

        switch (role)
        {
            case "system" or "developer" or "user":
                if (!hasContent)
                {
                    throw new InvalidRequestException($"Missing required parameter: '{path}.content'.", $"{path}.content");
                }

                break;
            case "assistant":
                var hasToolCalls = message.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind != JsonValueKind.Null;
                if (hasToolCalls)
                {
                    ValidateToolCalls(toolCalls, $"{path}.tool_calls");
                }

                break;
            case "tool":
                if (!message.TryGetProperty("tool_call_id", out var toolCallId) || toolCallId.ValueKind != JsonValueKind.String)
                {
                    throw new InvalidRequestException($"Missing required parameter: '{path}.tool_call_id'.", $"{path}.tool_call_id");
                }

                break;
            case "function":
                break;
            default:
                throw new InvalidRequestException(
                    $"Invalid value: '{Echo(role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
                    $"{path}.role");
        }
    }

    private static void ValidateToolCalls(JsonElement toolCalls, string path)
    {
        if (toolCalls.ValueKind != JsonValueKind.Array)
        {
            throw TypeError(path, "an array");
        }

        var index = 0;
        foreach (var call in toolCalls.EnumerateArray())
        {
            var callPath = $"{path}[{index++}]";
            if (call.ValueKind != JsonValueKind.Object
                || !call.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
                || !call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
                || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                throw new InvalidRequestException($"Invalid '{callPath}': a tool call needs 'id' and 'function.name'.", callPath);
            }

            if (function.TryGetProperty("arguments", out var arguments) && arguments.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                throw TypeError($"{callPath}.function.arguments", "a string");
            }
        }
    }

    private static JsonElement? ValidateTools(JsonElement root)
    {
        if (OptionalOfKind(root, "tools", JsonValueKind.Array, "an array") is not { } tools)
        {
            return null;
        }

        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var path = $"tools[{index++}]";
            if (tool.ValueKind != JsonValueKind.Object)
            {
                throw TypeError(path, "an object");
            }

            if (tool.TryGetProperty("type", out var type) && type.ValueKind != JsonValueKind.String)
            {
                throw TypeError($"{path}.type", "a string");
            }

            if (!tool.TryGetProperty("function", out var function) || function.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (function.ValueKind != JsonValueKind.Object)
            {
                throw TypeError($"{path}.function", "an object");
            }

            if (function.TryGetProperty("name", out var name) && name.ValueKind != JsonValueKind.String)
            {
                throw TypeError($"{path}.function.name", "a string");
            }

            if (function.TryGetProperty("description", out var description) && description.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                throw TypeError($"{path}.function.description", "a string");
            }

            if (function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            {
                throw TypeError($"{path}.function.parameters", "an object");
            }
        }

        return tools;
    }

    private static JsonElement? ValidateResponseFormat(JsonElement root)
    {
        if (OptionalOfKind(root, "response_format", JsonValueKind.Object, "an object") is not { } format)
        {
            return null;
        }

        if (!format.TryGetProperty("type", out var type) || type.ValueKind == JsonValueKind.Null)
        {
            throw new InvalidRequestException("Missing required parameter: 'response_format.type'.", "response_format.type");
        }

        return type.ValueKind == JsonValueKind.String ? format : throw TypeError("response_format.type", "a string");
    }

    private static JsonElement? ValidateMetadata(JsonElement root)
    {
        if (OptionalOfKind(root, "metadata", JsonValueKind.Object, "an object") is not { } metadata)
        {
            return null;
        }

        // The category is echoed in a response header and logged: a bounded token or nothing.
        if (metadata.TryGetProperty("category", out var category) && category.ValueKind != JsonValueKind.Null
            && (category.ValueKind != JsonValueKind.String || !CategoryName.IsAcceptable(category.GetString())))
        {
            throw new InvalidRequestException(
                $"Invalid 'metadata.category': expected at most {CategoryName.MaxLength} characters of letters, digits and '.', '_', ':', '-'.",
                "metadata.category");
        }

        return metadata;
    }

    private static List<string> ParseStop(JsonElement root)
    {
        if (!root.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (stop.ValueKind == JsonValueKind.String)
        {
            return [stop.GetString()!];
        }

        if (stop.ValueKind != JsonValueKind.Array)
        {
            throw TypeError("stop", "a string or an array of strings");
        }

        var list = new List<string>(stop.GetArrayLength());
        foreach (var item in stop.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw TypeError("stop", "a string or an array of strings");
            }

            list.Add(item.GetString()!);
        }

        if (list.Count > 4)
        {
            throw new InvalidRequestException("Invalid 'stop': array too long. Expected an array with maximum length 4.", "stop");
        }

        return list;
    }

    private static JsonElement? ParseToolChoice(JsonElement root)
    {
        if (!root.TryGetProperty("tool_choice", out var choice) || choice.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (choice.ValueKind == JsonValueKind.String)
        {
            var value = choice.GetString();
            if (value is not ("none" or "auto" or "required"))
            {
                throw new InvalidRequestException(
                    $"Invalid value: '{Echo(value)}'. Supported values are: 'none', 'auto', and 'required'.", "tool_choice");
            }

            return choice;
        }

        if (choice.ValueKind != JsonValueKind.Object
            || !choice.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
            || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
        {
            throw new InvalidRequestException(
                "Invalid 'tool_choice': expected 'none', 'auto', 'required' or {\"type\":\"function\",\"function\":{\"name\":...}}.", "tool_choice");
        }

        return choice;
    }

    private static string RequiredString(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new InvalidRequestException($"Missing required parameter: '{name}'.", name);
        }

        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 } text)
        {
            throw TypeError(name, "a non-empty string");
        }

        return text;
    }

    private static string? OptionalString(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw TypeError(name, "a string");
    }

    private static bool? OptionalBool(JsonElement obj, string name, string? param = null)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw TypeError(param ?? name, "a boolean"),
        };
    }

    private static int? OptionalInt(JsonElement obj, string name, int min, int max = int.MaxValue)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            throw TypeError(name, "an integer");
        }

        if (number < min || number > max)
        {
            throw new InvalidRequestException(
                $"Invalid '{name}': {number} is out of range; expected a value between {min} and {max}.", name);
        }

        return number;
    }

    private static long? OptionalLong(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : throw TypeError(name, "an integer");
    }

    private static double? OptionalNumber(JsonElement obj, string name, double min, double max)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw TypeError(name, "a number");
        }

        var number = value.GetDouble();
        if (number < min || number > max)
        {
            throw new InvalidRequestException(
                $"Invalid '{name}': {number} is out of range; expected a value between {min} and {max}.",
                name,
                number < min ? "decimal_below_min_value" : "decimal_above_max_value");
        }

        return number;
    }

    private static JsonElement? OptionalOfKind(JsonElement obj, string name, JsonValueKind kind, string expected)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == kind ? value : throw TypeError(name, expected);
    }

    // A client's value quoted back in an error: a bounded prefix is enough to recognise it.
    private static string? Echo(string? value) => value is { Length: > 64 } ? value[..64] + "…" : value;

    private static InvalidRequestException TypeError(string param, string expected)
        => new($"Invalid type for '{param}': expected {expected}.", param, "invalid_type");
}
