using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Simulator;

/// <summary>Request-reading helpers shared by the three simulators.</summary>
internal static class RequestJson
{
    /// <summary>Parses the body, or returns null when it is not JSON, so callers answer 400 instead of crashing.</summary>
    public static async Task<JsonDocument?> TryParseAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonDocument.ParseAsync(request.Body, default, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Text of a content value: a string, a text part (<c>{"text": …}</c>) or an array of either.</summary>
    public static string? TextOf(JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString();
            case JsonValueKind.Object:
                return content.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
                    ? text.GetString()
                    : null;
            case JsonValueKind.Array:
                string? result = null;
                foreach (var part in content.EnumerateArray())
                {
                    var partText = TextOf(part);
                    if (!string.IsNullOrEmpty(partText))
                    {
                        result = result is null ? partText : string.Concat(result, " ", partText);
                    }
                }

                return result;
            default:
                return null;
        }
    }

    /// <summary>Estimates tokens from the text in the given elements at the usual four characters per token.</summary>
    public static int EstimateTokens(JsonElement first, JsonElement second = default, JsonElement third = default)
    {
        var bytes = CountTextBytes(first) + CountTextBytes(second) + CountTextBytes(third);
        return Math.Max(1, (bytes + 3) / 4);
    }

    /// <summary>The first property present under either spelling; Gemini accepts camelCase and snake_case keys.</summary>
    public static bool TryGetProperty(JsonElement element, string camelName, string snakeName, out JsonElement value)
    {
        if (element.ValueKind == JsonValueKind.Object
            && (element.TryGetProperty(camelName, out value) || element.TryGetProperty(snakeName, out value)))
        {
            return true;
        }

        value = default;
        return false;
    }

    public static string? GetString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static int? GetInt(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.Number
        && value.TryGetInt32(out var number)
            ? number
            : null;

    public static bool IsTrue(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.True;

    /// <summary>
    /// Picks the tool to call from the declared function definitions: the one named by <paramref name="forcedName"/>
    /// if declared, else the first; returns its name and arguments built from its parameter schema.
    /// </summary>
    public static (string? Name, string? Arguments) PickTool(
        IEnumerable<JsonElement> declarations, string? forcedName, string schemaProperty, string? altSchemaProperty = null)
    {
        JsonElement? selected = null;
        string? selectedName = null;
        foreach (var declaration in declarations)
        {
            if (GetString(declaration, "name") is not { } name)
            {
                continue;
            }

            var isForced = string.Equals(name, forcedName, StringComparison.Ordinal);
            if (selected is null || isForced)
            {
                selected = declaration;
                selectedName = name;
            }

            if (forcedName is null || isForced)
            {
                break;
            }
        }

        if (selected is not { } chosen)
        {
            return (null, null);
        }

        var schema = chosen.TryGetProperty(schemaProperty, out var s) ? s
            : altSchemaProperty is not null && chosen.TryGetProperty(altSchemaProperty, out var alt) ? alt
            : default;
        return (selectedName, BuildToolArguments(schema));
    }

    /// <summary>Text of the last message with role <c>user</c>; for replies whose last turn is not a user turn.</summary>
    public static string? LastUserText(JsonElement messages, string contentProperty)
    {
        string? text = null;
        foreach (var message in messages.EnumerateArray())
        {
            if (GetString(message, "role") == "user" && message.TryGetProperty(contentProperty, out var content))
            {
                text = TextOf(content) ?? text;
            }
        }

        return text;
    }

    /// <summary>
    /// Builds plausible tool arguments from a JSON schema: every required property gets a value of its type
    /// (strings are <c>"sim"</c>, enums take their first value); without required properties the result is <c>{}</c>.
    /// </summary>
    public static string BuildToolArguments(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object
            || !schema.TryGetProperty("required", out var required)
            || required.ValueKind != JsonValueKind.Array
            || required.GetArrayLength() == 0)
        {
            return "{}";
        }

        schema.TryGetProperty("properties", out var properties);
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, ResponseBuffer.WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var name in required.EnumerateArray())
            {
                if (name.ValueKind != JsonValueKind.String)
                {
                    continue;
                }

                var propertyName = name.GetString()!;
                writer.WritePropertyName(propertyName);
                var property = properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(propertyName, out var p)
                    ? p
                    : default;
                WriteSampleValue(writer, property);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteSampleValue(Utf8JsonWriter writer, JsonElement property)
    {
        if (property.ValueKind == JsonValueKind.Object
            && property.TryGetProperty("enum", out var values)
            && values.ValueKind == JsonValueKind.Array
            && values.GetArrayLength() > 0)
        {
            values[0].WriteTo(writer);
            return;
        }

        switch (SchemaType(property))
        {
            case "integer":
            case "number":
                writer.WriteNumberValue(1);
                break;
            case "boolean":
                writer.WriteBooleanValue(true);
                break;
            case "array":
                writer.WriteStartArray();
                writer.WriteEndArray();
                break;
            case "object":
                writer.WriteStartObject();
                writer.WriteEndObject();
                break;
            default:
                writer.WriteStringValue("sim");
                break;
        }
    }

    /// <summary>The schema's type in lower case (Gemini writes <c>STRING</c>); for a type list, the first non-null one.</summary>
    private static string? SchemaType(JsonElement property)
    {
        if (property.ValueKind != JsonValueKind.Object || !property.TryGetProperty("type", out var type))
        {
            return null;
        }

        if (type.ValueKind == JsonValueKind.String)
        {
            return type.GetString()?.ToLowerInvariant();
        }

        if (type.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in type.EnumerateArray())
            {
                var name = item.ValueKind == JsonValueKind.String ? item.GetString()?.ToLowerInvariant() : null;
                if (name is not null and not "null")
                {
                    return name;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Sums the UTF-8 length of all string values, skipping binary payloads (base64 data, image URLs) and opaque
    /// signatures that real tokenizers do not count as text. Reads raw bytes so no strings are allocated.
    /// </summary>
    private static int CountTextBytes(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return JsonMarshal.GetRawUtf8Value(element).Length - 2;
            case JsonValueKind.Array:
                var arrayTotal = 0;
                foreach (var item in element.EnumerateArray())
                {
                    arrayTotal += CountTextBytes(item);
                }

                return arrayTotal;
            case JsonValueKind.Object:
                var objectTotal = 0;
                foreach (var property in element.EnumerateObject())
                {
                    if (property.NameEquals("data") || property.NameEquals("url")
                        || property.NameEquals("signature") || property.NameEquals("thoughtSignature"))
                    {
                        continue;
                    }

                    objectTotal += CountTextBytes(property.Value);
                }

                return objectTotal;
            default:
                return 0;
        }
    }
}
