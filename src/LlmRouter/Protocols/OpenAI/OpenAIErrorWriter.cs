using System.Buffers;
using System.Text.Json;
using LlmRouter.Providers;

namespace LlmRouter.Protocols.OpenAI;

/// <summary>Writes OpenAI error objects: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal static class OpenAIErrorWriter
{
    public static void Write(Utf8JsonWriter writer, string message, string type, string? param, string? code)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("error"u8);
        writer.WriteStartObject();
        writer.WriteString("message"u8, message);
        writer.WriteString("type"u8, type);
        WriteNullable(writer, "param"u8, param);
        WriteNullable(writer, "code"u8, code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static byte[] ToBytes(string message, string type, string? param, string? code)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            Write(writer, message, type, param, code);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] ToBytes(UpstreamError error) => ToBytes(error.Message, error.Type, error.Param, error.Code);

    private static void WriteNullable(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}
