using System.Buffers;
using System.Text.Json;
using LlmRouter.Providers;

namespace LlmRouter.Protocols.Anthropic;

/// <summary>
/// Writes errors in Anthropic's shape, <c>{"type":"error","error":{"type","message"}}</c>, with Anthropic's statuses:
/// the gateway's own and its upstreams' errors are OpenAI-typed inside the gateway and mapped here by status.
/// </summary>
internal static class AnthropicErrorWriter
{
    /// <summary>Anthropic's "overloaded" status, which its SDKs retry with backoff.</summary>
    public const int OverloadedStatus = 529;

    /// <summary>The status and <c>error.type</c> an Anthropic client expects for a gateway status.</summary>
    public static (int Status, string Type) Map(int statusCode) => statusCode switch
    {
        401 => (401, "authentication_error"),
        402 => (402, "billing_error"),
        403 => (403, "permission_error"),
        404 => (404, "not_found_error"),
        413 => (413, "request_too_large"),
        429 => (429, "rate_limit_error"),
        503 or OverloadedStatus => (OverloadedStatus, "overloaded_error"),
        504 => (504, "timeout_error"),
        >= 500 => (statusCode, "api_error"),
        _ => (statusCode, "invalid_request_error"),
    };

    public static void Write(Utf8JsonWriter writer, string type, string message)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "error"u8);
        writer.WritePropertyName("error"u8);
        writer.WriteStartObject();
        writer.WriteString("type"u8, type);
        writer.WriteString("message"u8, message);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The response status and body for an error the gateway answers with <paramref name="statusCode"/>.</summary>
    public static (int Status, byte[] Body) ToResponse(int statusCode, string message)
    {
        var (status, type) = Map(statusCode);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            Write(writer, type, message);
        }

        return (status, buffer.WrittenSpan.ToArray());
    }

    /// <summary>A mid-stream <c>event: error</c>; Anthropic SDKs raise on it.</summary>
    public static void WriteEvent(IBufferWriter<byte> output, int statusCode, string message)
    {
        output.Write("event: error\ndata: "u8);
        using (var writer = new Utf8JsonWriter(output, JsonOutput.Unvalidated))
        {
            Write(writer, Map(statusCode).Type, message);
        }

        output.Write("\n\n"u8);
    }
}
