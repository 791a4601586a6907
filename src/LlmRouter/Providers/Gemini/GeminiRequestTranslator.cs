using System.Buffers;
using System.Text;
using System.Text.Json;
using LlmRouter.Chat;
using LlmRouter.Configuration;

namespace LlmRouter.Providers.Gemini;

/// <summary>
/// Builds a Gemini <c>generateContent</c> body from an OpenAI chat request (wire-formats §4.2).
/// Dropped on purpose: <c>user</c> (Gemini has no end-user field) and <c>parallel_tool_calls</c> (Gemini decides
/// parallelism itself and has no switch for it); <c>metadata</c>, <c>store</c> and <c>stream_options</c> only
/// concern the gateway.
/// </summary>
internal static class GeminiRequestTranslator
{
    /// <summary>The documented dummy signature for function calls Gemini did not produce.</summary>
    public const string SkipThoughtSignature = "skip_thought_signature_validator";

    // JSON-Schema keywords Gemini's OpenAPI-subset Schema rejects ("Unknown name ..."); litellm and Portkey strip them too.
    private static readonly string[] UnsupportedSchemaKeywords = ["$schema", "additionalProperties", "strict"];

    public static ReadOnlyMemory<byte> Translate(ChatRequest request, Deployment deployment, ThoughtSignatureStore signatures)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(512, request.Body.Length + 256));
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            json.WriteStartObject();
            WriteSystemInstruction(json, request.Messages);
            WriteContents(json, request.Messages, deployment, signatures);
            WriteGenerationConfig(json, request);
            if (request.Tools is { } tools && tools.GetArrayLength() > 0)
            {
                WriteTools(json, tools);
                if (request.ToolChoice is { } toolChoice)
                {
                    WriteToolConfig(json, toolChoice);
                }
            }

            json.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    private static void WriteSystemInstruction(Utf8JsonWriter json, JsonElement messages)
    {
        var started = false;
        foreach (var message in messages.EnumerateArray())
        {
            if (!IsRole(message, "system"u8) && !IsRole(message, "developer"u8))
            {
                continue;
            }

            var content = message.GetProperty("content"u8);
            if (content.ValueKind == JsonValueKind.String)
            {
                WriteSystemText(json, content.GetString()!, ref started);
                continue;
            }

            foreach (var part in content.EnumerateArray())
            {
                if (part.GetProperty("type"u8).ValueEquals("text"u8))
                {
                    WriteSystemText(json, TextOf(part), ref started);
                }
            }
        }

        if (started)
        {
            json.WriteEndArray();
            json.WriteEndObject();
        }
    }

    private static void WriteSystemText(Utf8JsonWriter json, string text, ref bool started)
    {
        if (text.Length == 0)
        {
            return;
        }

        if (!started)
        {
            json.WritePropertyName("systemInstruction"u8);
            json.WriteStartObject();
            json.WritePropertyName("parts"u8);
            json.WriteStartArray();
            started = true;
        }

        json.WriteStartObject();
        json.WriteString("text"u8, text);
        json.WriteEndObject();
    }

    private static void WriteContents(Utf8JsonWriter json, JsonElement messages, Deployment deployment, ThoughtSignatureStore signatures)
    {
        json.WritePropertyName("contents"u8);
        json.WriteStartArray();
        var turns = new GeminiTurnWriter(json);

        // Gemini function responses need the function name, which OpenAI tool messages lack: recover it from the call.
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var path = $"messages[{index++}]";
            var role = message.GetProperty("role"u8);
            if (role.ValueEquals("user"u8))
            {
                WriteUserContent(turns, message.GetProperty("content"u8), path);
            }
            else if (role.ValueEquals("assistant"u8))
            {
                WriteAssistant(turns, message, path, deployment, signatures, callNames);
            }
            else if (role.ValueEquals("tool"u8))
            {
                var id = message.GetProperty("tool_call_id"u8).GetString()!;
                if (!callNames.TryGetValue(id, out var name))
                {
                    throw new InvalidRequestException(
                        $"Invalid '{path}.tool_call_id': '{id}' does not match any tool call in an earlier assistant message.",
                        $"{path}.tool_call_id");
                }

                WriteFunctionResponse(turns, name, message);
            }
            else if (role.ValueEquals("function"u8))
            {
                if (!message.TryGetProperty("name"u8, out var name) || name.ValueKind != JsonValueKind.String)
                {
                    throw new InvalidRequestException($"Missing required parameter: '{path}.name'.", $"{path}.name");
                }

                WriteFunctionResponse(turns, name.GetString()!, message);
            }
        }

        turns.Close();
        json.WriteEndArray();

        if (turns.TurnCount == 0)
        {
            // Gemini refuses a request without contents ("contents is not specified"); say so before calling it.
            throw new InvalidRequestException(
                "Invalid 'messages': Gemini deployments need at least one user, assistant or tool message with content; system messages alone are not enough.",
                "messages");
        }
    }

    private static void WriteUserContent(GeminiTurnWriter turns, JsonElement content, string path)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            turns.WriteText(GeminiTurnWriter.User, content.GetString()!);
            return;
        }

        var partIndex = 0;
        foreach (var part in content.EnumerateArray())
        {
            var partPath = $"{path}.content[{partIndex++}]";
            var type = part.GetProperty("type"u8);
            if (type.ValueEquals("text"u8))
            {
                turns.WriteText(GeminiTurnWriter.User, TextOf(part));
            }
            else if (type.ValueEquals("image_url"u8))
            {
                WriteImage(turns, part, partPath);
            }
            else if (type.ValueEquals("input_audio"u8))
            {
                WriteAudio(turns, part, partPath);
            }
            else if (type.ValueEquals("file"u8))
            {
                WriteFile(turns, part, partPath);
            }
            else
            {
                throw new InvalidRequestException(
                    $"Invalid '{partPath}.type': '{type}' content parts are not supported by Gemini deployments.", $"{partPath}.type");
            }
        }
    }

    private static void WriteImage(GeminiTurnWriter turns, JsonElement part, string path)
    {
        var imageUrl = part.TryGetProperty("image_url"u8, out var value) ? value : default;
        var url = imageUrl.ValueKind switch
        {
            JsonValueKind.String => imageUrl.GetString(),
            JsonValueKind.Object when imageUrl.TryGetProperty("url"u8, out var inner) && inner.ValueKind == JsonValueKind.String => inner.GetString(),
            _ => null,
        };
        if (url is null)
        {
            throw new InvalidRequestException($"Missing required parameter: '{path}.image_url.url'.", $"{path}.image_url.url");
        }

        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            WriteDataUrl(turns, url, $"{path}.image_url.url");
            return;
        }

        if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
            || url.StartsWith("gs://", StringComparison.OrdinalIgnoreCase))
        {
            var json = turns.BeginPart(GeminiTurnWriter.User);
            json.WritePropertyName("fileData"u8);
            json.WriteStartObject();
            json.WriteString("mimeType"u8, GuessMimeType(url));
            json.WriteString("fileUri"u8, url);
            json.WriteEndObject();
            turns.EndPart();
            return;
        }

        throw new InvalidRequestException(
            $"Invalid '{path}.image_url.url': expected a data URL or an http(s) or gs:// URL.", $"{path}.image_url.url");
    }

    private static void WriteAudio(GeminiTurnWriter turns, JsonElement part, string path)
    {
        if (!part.TryGetProperty("input_audio"u8, out var audio) || audio.ValueKind != JsonValueKind.Object
            || !audio.TryGetProperty("data"u8, out var data) || data.ValueKind != JsonValueKind.String
            || !audio.TryGetProperty("format"u8, out var format) || format.ValueKind != JsonValueKind.String)
        {
            throw new InvalidRequestException($"Invalid '{path}.input_audio': expected 'data' and 'format'.", $"{path}.input_audio");
        }

        WriteInlineData(turns, "audio/" + format.GetString(), data.GetString()!);
    }

    private static void WriteFile(GeminiTurnWriter turns, JsonElement part, string path)
    {
        if (part.TryGetProperty("file"u8, out var file) && file.ValueKind == JsonValueKind.Object
            && file.TryGetProperty("file_data"u8, out var data) && data.ValueKind == JsonValueKind.String)
        {
            WriteDataUrl(turns, data.GetString()!, $"{path}.file.file_data");
            return;
        }

        // OpenAI file ids name files in OpenAI's own storage, which Gemini cannot read.
        throw new InvalidRequestException(
            $"Invalid '{path}.file': Gemini deployments accept files only as 'file_data' data URLs.", $"{path}.file");
    }

    private static void WriteDataUrl(GeminiTurnWriter turns, string url, string param)
    {
        // data:<mime>;base64,<payload>
        var comma = url.IndexOf(',', StringComparison.Ordinal);
        var header = comma < 0 ? default : url.AsSpan(5, comma - 5);
        if (comma < 0 || !header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase) || header.Length == ";base64".Length)
        {
            throw new InvalidRequestException($"Invalid '{param}': expected a base64 data URL such as 'data:image/png;base64,...'.", param);
        }

        var mimeType = header[..header.IndexOf(';')].ToString();
        WriteInlineData(turns, mimeType, url[(comma + 1)..]);
    }

    private static void WriteInlineData(GeminiTurnWriter turns, string mimeType, string base64)
    {
        var json = turns.BeginPart(GeminiTurnWriter.User);
        json.WritePropertyName("inlineData"u8);
        json.WriteStartObject();
        json.WriteString("mimeType"u8, mimeType);
        json.WriteString("data"u8, base64);
        json.WriteEndObject();
        turns.EndPart();
    }

    internal static string GuessMimeType(string url)
    {
        var end = url.AsSpan();
        var cut = end.IndexOfAny('?', '#');
        if (cut >= 0)
        {
            end = end[..cut];
        }

        var slash = end.LastIndexOf('/');
        var dot = end.LastIndexOf('.');
        if (dot <= slash)
        {
            return "image/jpeg";
        }

        var extension = end[(dot + 1)..];
        return extension switch
        {
            _ when extension.Equals("png", StringComparison.OrdinalIgnoreCase) => "image/png",
            _ when extension.Equals("gif", StringComparison.OrdinalIgnoreCase) => "image/gif",
            _ when extension.Equals("webp", StringComparison.OrdinalIgnoreCase) => "image/webp",
            _ when extension.Equals("heic", StringComparison.OrdinalIgnoreCase) => "image/heic",
            _ when extension.Equals("heif", StringComparison.OrdinalIgnoreCase) => "image/heif",
            _ when extension.Equals("pdf", StringComparison.OrdinalIgnoreCase) => "application/pdf",
            _ => "image/jpeg",
        };
    }

    private static void WriteAssistant(
        GeminiTurnWriter turns, JsonElement message, string path, Deployment deployment, ThoughtSignatureStore signatures, Dictionary<string, string> callNames)
    {
        if (message.TryGetProperty("content"u8, out var content))
        {
            if (content.ValueKind == JsonValueKind.String)
            {
                turns.WriteText(GeminiTurnWriter.Model, content.GetString()!);
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in content.EnumerateArray())
                {
                    var type = part.GetProperty("type"u8);
                    if (type.ValueEquals("text"u8))
                    {
                        turns.WriteText(GeminiTurnWriter.Model, TextOf(part));
                    }
                    else if (type.ValueEquals("refusal"u8) && part.TryGetProperty("refusal"u8, out var refusal) && refusal.ValueKind == JsonValueKind.String)
                    {
                        turns.WriteText(GeminiTurnWriter.Model, refusal.GetString()!);
                    }
                }
            }
        }

        if (message.TryGetProperty("tool_calls"u8, out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array)
        {
            var callIndex = 0;
            foreach (var call in toolCalls.EnumerateArray())
            {
                var callPath = $"{path}.tool_calls[{callIndex++}]";
                var id = call.GetProperty("id"u8).GetString()!;
                var function = call.GetProperty("function"u8);
                var name = function.GetProperty("name"u8).GetString()!;
                callNames[id] = name;
                var signature = signatures.TryGet(id, out var stored) ? stored
                    : deployment.Options.RequiresThoughtSignatures ? SkipThoughtSignature
                    : null;
                WriteFunctionCall(turns, name, function, signature, $"{callPath}.function.arguments");
            }
        }
        else if (message.TryGetProperty("function_call"u8, out var functionCall) && functionCall.ValueKind == JsonValueKind.Object)
        {
            // The deprecated single function call has no id; only the dummy signature can vouch for it.
            if (!functionCall.TryGetProperty("name"u8, out var name) || name.ValueKind != JsonValueKind.String)
            {
                throw new InvalidRequestException($"Missing required parameter: '{path}.function_call.name'.", $"{path}.function_call.name");
            }

            var signature = deployment.Options.RequiresThoughtSignatures ? SkipThoughtSignature : null;
            WriteFunctionCall(turns, name.GetString()!, functionCall, signature, $"{path}.function_call.arguments");
        }
    }

    private static void WriteFunctionCall(GeminiTurnWriter turns, string name, JsonElement function, string? signature, string argumentsPath)
    {
        var json = turns.BeginPart(GeminiTurnWriter.Model);
        json.WritePropertyName("functionCall"u8);
        json.WriteStartObject();
        json.WriteString("name"u8, name);
        json.WritePropertyName("args"u8);
        WriteArguments(json, function, argumentsPath);
        json.WriteEndObject();
        if (signature is not null)
        {
            json.WriteString("thoughtSignature"u8, signature);
        }

        turns.EndPart();
    }

    private static void WriteArguments(Utf8JsonWriter json, JsonElement function, string path)
    {
        var arguments = function.TryGetProperty("arguments"u8, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : string.Empty;
        if (string.IsNullOrWhiteSpace(arguments))
        {
            // Zero-argument calls often arrive with empty arguments; Gemini's args is a Struct.
            json.WriteStartObject();
            json.WriteEndObject();
            return;
        }

        try
        {
            // Checked first: WriteTo would fail half-way through on an escape it cannot re-encode.
            var utf8 = Encoding.UTF8.GetBytes(arguments);
            using var document = JsonBodyScanner.IsReadable(utf8) ? JsonDocument.Parse(utf8, JsonLimits.DocumentOptions) : null;
            if (document?.RootElement.ValueKind == JsonValueKind.Object)
            {
                document.RootElement.WriteTo(json);
                return;
            }
        }
        catch (JsonException)
        {
            // Reported below with the parameter path.
        }

        throw new InvalidRequestException($"Invalid '{path}': expected a JSON object encoded as a string.", path);
    }

    private static void WriteFunctionResponse(GeminiTurnWriter turns, string name, JsonElement message)
    {
        var json = turns.BeginPart(GeminiTurnWriter.User);
        json.WritePropertyName("functionResponse"u8);
        json.WriteStartObject();
        json.WriteString("name"u8, name);
        json.WritePropertyName("response"u8);
        var content = message.TryGetProperty("content"u8, out var value) ? TextContent(value) : string.Empty;
        if (!TryWriteJsonObject(json, content))
        {
            // functionResponse.response must be an object; the SDK documents "output" for a plain result.
            json.WriteStartObject();
            json.WriteString("output"u8, content);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        turns.EndPart();
    }

    private static bool TryWriteJsonObject(Utf8JsonWriter json, string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.IsEmpty || trimmed[0] != '{')
        {
            return false;
        }

        try
        {
            var utf8 = Encoding.UTF8.GetBytes(text);
            if (!JsonBodyScanner.IsReadable(utf8))
            {
                return false;
            }

            using var document = JsonDocument.Parse(utf8, JsonLimits.DocumentOptions);
            document.RootElement.WriteTo(json);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void WriteGenerationConfig(Utf8JsonWriter json, ChatRequest request)
    {
        var root = request.Root;
        if (root.TryGetProperty("logprobs"u8, out var logprobs) && logprobs.ValueKind == JsonValueKind.True)
        {
            // Refuse rather than answer without the log probabilities the client asked for.
            throw new InvalidRequestException("Invalid 'logprobs': log probabilities are not supported by Gemini deployments.", "logprobs");
        }

        var started = false;
        if (request.MaxTokens is { } maxTokens)
        {
            Start(json, ref started).WriteNumber("maxOutputTokens"u8, maxTokens);
        }

        if (request.Temperature is { } temperature)
        {
            Start(json, ref started).WriteNumber("temperature"u8, temperature);
        }

        if (request.TopP is { } topP)
        {
            Start(json, ref started).WriteNumber("topP"u8, topP);
        }

        // The parser caps OpenAI's stop list at 4, within Gemini's limit of 5.
        if (request.Stop.Count > 0)
        {
            Start(json, ref started).WritePropertyName("stopSequences"u8);
            json.WriteStartArray();
            foreach (var stop in request.Stop)
            {
                json.WriteStringValue(stop);
            }

            json.WriteEndArray();
        }

        if (request.N > 1)
        {
            Start(json, ref started).WriteNumber("candidateCount"u8, request.N);
        }

        if (request.Seed is { } seed)
        {
            if (seed is < int.MinValue or > int.MaxValue)
            {
                throw new InvalidRequestException($"Invalid 'seed': {seed} is out of range for Gemini deployments (32-bit integer).", "seed");
            }

            Start(json, ref started).WriteNumber("seed"u8, seed);
        }

        WritePenalty(json, root, "presence_penalty", "presencePenalty"u8, ref started);
        WritePenalty(json, root, "frequency_penalty", "frequencyPenalty"u8, ref started);

        if (request.ResponseFormat is { } responseFormat)
        {
            WriteResponseFormat(json, responseFormat, ref started);
        }

        if (started)
        {
            json.WriteEndObject();
        }
    }

    private static Utf8JsonWriter Start(Utf8JsonWriter json, ref bool started)
    {
        if (!started)
        {
            json.WritePropertyName("generationConfig"u8);
            json.WriteStartObject();
            started = true;
        }

        return json;
    }

    private static void WritePenalty(Utf8JsonWriter json, JsonElement root, string name, ReadOnlySpan<byte> geminiName, ref bool started)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw new InvalidRequestException($"Invalid type for '{name}': expected a number.", name, "invalid_type");
        }

        Start(json, ref started).WriteNumber(geminiName, value.GetDouble());
    }

    private static void WriteResponseFormat(Utf8JsonWriter json, JsonElement responseFormat, ref bool started)
    {
        var type = responseFormat.TryGetProperty("type"u8, out var typeElement) ? typeElement : default;
        if (type.ValueKind == JsonValueKind.String && type.ValueEquals("text"u8))
        {
            return;
        }

        if (type.ValueKind == JsonValueKind.String && type.ValueEquals("json_object"u8))
        {
            Start(json, ref started).WriteString("responseMimeType"u8, "application/json"u8);
            return;
        }

        if (type.ValueKind == JsonValueKind.String && type.ValueEquals("json_schema"u8))
        {
            if (!responseFormat.TryGetProperty("json_schema"u8, out var jsonSchema) || jsonSchema.ValueKind != JsonValueKind.Object
                || !jsonSchema.TryGetProperty("schema"u8, out var schema) || schema.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidRequestException(
                    "Missing required parameter: 'response_format.json_schema.schema'.", "response_format.json_schema.schema");
            }

            // responseJsonSchema takes JSON Schema as-is, unlike responseSchema's OpenAPI subset.
            Start(json, ref started).WriteString("responseMimeType"u8, "application/json"u8);
            json.WritePropertyName("responseJsonSchema"u8);
            schema.WriteTo(json);
            return;
        }

        throw new InvalidRequestException(
            "Invalid 'response_format.type': expected 'text', 'json_object' or 'json_schema'.", "response_format.type");
    }

    private static void WriteTools(Utf8JsonWriter json, JsonElement tools)
    {
        json.WritePropertyName("tools"u8);
        json.WriteStartArray();
        json.WriteStartObject();
        json.WritePropertyName("functionDeclarations"u8);
        json.WriteStartArray();
        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var path = $"tools[{index++}]";
            if (tool.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidRequestException($"Invalid type for '{path}': expected an object.", path, "invalid_type");
            }

            if (tool.TryGetProperty("type"u8, out var type) && !(type.ValueKind == JsonValueKind.String && type.ValueEquals("function"u8)))
            {
                throw new InvalidRequestException($"Invalid '{path}.type': only 'function' tools are supported by Gemini deployments.", $"{path}.type");
            }

            if (!tool.TryGetProperty("function"u8, out var function) || function.ValueKind != JsonValueKind.Object
                || !function.TryGetProperty("name"u8, out var name) || name.ValueKind != JsonValueKind.String)
            {
                throw new InvalidRequestException($"Missing required parameter: '{path}.function.name'.", $"{path}.function.name");
            }

            json.WriteStartObject();
            json.WriteString("name"u8, name.GetString());
            if (function.TryGetProperty("description"u8, out var description) && description.ValueKind == JsonValueKind.String)
            {
                json.WriteString("description"u8, description.GetString());
            }

            // Gemini rejects an OBJECT schema with empty properties; a function without parameters simply omits them.
            if (function.TryGetProperty("parameters"u8, out var parameters) && HasProperties(parameters))
            {
                json.WritePropertyName("parameters"u8);
                WriteSchema(json, parameters);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
    }

    private static bool HasProperties(JsonElement parameters)
    {
        if (parameters.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var isObject = !parameters.TryGetProperty("type"u8, out var type) || (type.ValueKind == JsonValueKind.String && type.ValueEquals("object"u8));
        if (!isObject)
        {
            return true;
        }

        return parameters.TryGetProperty("properties"u8, out var properties)
            && properties.ValueKind == JsonValueKind.Object
            && properties.EnumerateObject().MoveNext();
    }

    /// <summary>Copies a JSON schema, dropping the keywords Gemini rejects at every schema position (not inside property-name maps).</summary>
    private static void WriteSchema(Utf8JsonWriter json, JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            schema.WriteTo(json);
            return;
        }

        json.WriteStartObject();
        foreach (var property in schema.EnumerateObject())
        {
            if (Array.IndexOf(UnsupportedSchemaKeywords, property.Name) >= 0)
            {
                continue;
            }

            json.WritePropertyName(property.Name);
            var value = property.Value;
            if ((property.NameEquals("properties"u8) || property.NameEquals("$defs"u8) || property.NameEquals("definitions"u8))
                && value.ValueKind == JsonValueKind.Object)
            {
                json.WriteStartObject();
                foreach (var child in value.EnumerateObject())
                {
                    json.WritePropertyName(child.Name);
                    WriteSchema(json, child.Value);
                }

                json.WriteEndObject();
            }
            else if (property.NameEquals("items"u8) || property.NameEquals("not"u8))
            {
                WriteSchema(json, value);
            }
            else if ((property.NameEquals("anyOf"u8) || property.NameEquals("oneOf"u8) || property.NameEquals("allOf"u8))
                && value.ValueKind == JsonValueKind.Array)
            {
                json.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    WriteSchema(json, item);
                }

                json.WriteEndArray();
            }
            else
            {
                value.WriteTo(json);
            }
        }

        json.WriteEndObject();
    }

    private static void WriteToolConfig(Utf8JsonWriter json, JsonElement toolChoice)
    {
        json.WritePropertyName("toolConfig"u8);
        json.WriteStartObject();
        json.WritePropertyName("functionCallingConfig"u8);
        json.WriteStartObject();
        if (toolChoice.ValueKind == JsonValueKind.String)
        {
            json.WriteString("mode"u8, toolChoice.ValueEquals("none"u8) ? "NONE"u8 : toolChoice.ValueEquals("required"u8) ? "ANY"u8 : "AUTO"u8);
        }
        else
        {
            // The parser guarantees {"function":{"name":...}}: force that one function.
            json.WriteString("mode"u8, "ANY"u8);
            json.WritePropertyName("allowedFunctionNames"u8);
            json.WriteStartArray();
            json.WriteStringValue(toolChoice.GetProperty("function"u8).GetProperty("name"u8).GetString());
            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static bool IsRole(JsonElement message, ReadOnlySpan<byte> role) => message.GetProperty("role"u8).ValueEquals(role);

    private static string TextOf(JsonElement part)
        => part.TryGetProperty("text"u8, out var text) && text.ValueKind == JsonValueKind.String ? text.GetString()! : string.Empty;

    /// <summary>A string content, or the text parts of an array content joined.</summary>
    private static string TextContent(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.GetProperty("type"u8).ValueEquals("text"u8))
            {
                builder.Append(TextOf(part));
            }
        }

        return builder.ToString();
    }
}
