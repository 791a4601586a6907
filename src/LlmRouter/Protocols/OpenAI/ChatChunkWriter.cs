using System.Buffers;
using System.Text.Json;
using LlmRouter.Providers;

namespace LlmRouter.Protocols.OpenAI;

/// <summary>
/// Writes OpenAI <c>chat.completion.chunk</c> SSE events for one stream: one id and one created time for
/// all chunks, <c>"usage":null</c> on every chunk if and only if the client asked for the usage chunk.
/// Translators for non-OpenAI upstreams share it so every stream has the same shape.
/// </summary>
internal sealed class ChatChunkWriter : IDisposable
{
    private readonly Utf8JsonWriter _json = new(Stream.Null, JsonOutput.Unvalidated);

    public ChatChunkWriter(string id, long created, string model, bool includeUsage)
    {
        Id = id;
        Created = created;
        Model = model;
        IncludeUsage = includeUsage;
    }

    public string Id { get; }

    public long Created { get; }

    /// <summary>The model reported to the client; translators may update it from the upstream's first event.</summary>
    public string Model { get; set; }

    public bool IncludeUsage { get; }

    /// <summary>A content-bearing chunk (text, tool call or finish) has been written; role chunks do not count.</summary>
    public bool ContentWritten { get; private set; }

    public void WriteRole(IBufferWriter<byte> output, int choiceIndex = 0)
    {
        var json = Begin(output, choiceIndex);
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("content"u8, ""u8);
        End(output, finishReason: null);
    }

    public void WriteContent(IBufferWriter<byte> output, ReadOnlySpan<char> text, int choiceIndex = 0)
    {
        ContentWritten |= !text.IsEmpty;
        var json = Begin(output, choiceIndex);
        json.WriteString("content"u8, text);
        End(output, finishReason: null);
    }

    /// <summary>Content already encoded as UTF-8 (straight from an upstream JSON string), written without a string round trip.</summary>
    public void WriteContentUtf8(IBufferWriter<byte> output, ReadOnlySpan<byte> utf8Text, int choiceIndex = 0)
    {
        ContentWritten |= !utf8Text.IsEmpty;
        var json = Begin(output, choiceIndex);
        json.WriteString("content"u8, utf8Text);
        End(output, finishReason: null);
    }

    /// <summary>The first delta of a tool call: index, id, type and name, with the first argument text.</summary>
    public void WriteToolCallStart(IBufferWriter<byte> output, int toolIndex, string id, string name, ReadOnlySpan<char> arguments, int choiceIndex = 0)
    {
        ContentWritten = true;
        var json = Begin(output, choiceIndex);
        json.WritePropertyName("tool_calls"u8);
        json.WriteStartArray();
        json.WriteStartObject();
        json.WriteNumber("index"u8, toolIndex);
        json.WriteString("id"u8, id);
        json.WriteString("type"u8, "function"u8);
        json.WritePropertyName("function"u8);
        json.WriteStartObject();
        json.WriteString("name"u8, name);
        json.WriteString("arguments"u8, arguments);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        End(output, finishReason: null);
    }

    /// <summary>A later delta of a tool call: an argument fragment.</summary>
    public void WriteToolCallArguments(IBufferWriter<byte> output, int toolIndex, ReadOnlySpan<char> fragment, int choiceIndex = 0)
    {
        ContentWritten = true;
        var json = Begin(output, choiceIndex);
        json.WritePropertyName("tool_calls"u8);
        json.WriteStartArray();
        json.WriteStartObject();
        json.WriteNumber("index"u8, toolIndex);
        json.WritePropertyName("function"u8);
        json.WriteStartObject();
        json.WriteString("arguments"u8, fragment);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        End(output, finishReason: null);
    }

    /// <summary>The finish chunk: an empty delta and one of OpenAI's finish reasons.</summary>
    public void WriteFinish(IBufferWriter<byte> output, string finishReason, int choiceIndex = 0)
    {
        ContentWritten = true;
        Begin(output, choiceIndex);
        End(output, finishReason);
    }

    /// <summary>The usage chunk: <c>choices</c> empty, usage filled. Written only when the client asked for it.</summary>
    public void WriteUsage(IBufferWriter<byte> output, in TokenUsage usage)
    {
        output.Write("data: "u8);
        _json.Reset(output);
        WriteHeader(_json);
        _json.WritePropertyName("choices"u8);
        _json.WriteStartArray();
        _json.WriteEndArray();
        _json.WritePropertyName("usage"u8);
        usage.WriteTo(_json);
        _json.WriteEndObject();
        _json.Flush();
        output.Write("\n\n"u8);
    }

    /// <summary>A mid-stream error in OpenAI's own format; the OpenAI SDKs raise on it.</summary>
    public static void WriteError(IBufferWriter<byte> output, string message, string type, string? code)
    {
        output.Write("data: "u8);
        using (var writer = new Utf8JsonWriter(output, JsonOutput.Unvalidated))
        {
            OpenAIErrorWriter.Write(writer, message, type, null, code);
        }

        output.Write("\n\n"u8);
    }

    public void Dispose() => _json.Dispose();

    public static void WriteDone(IBufferWriter<byte> output) => output.Write("data: [DONE]\n\n"u8);

    private Utf8JsonWriter Begin(IBufferWriter<byte> output, int choiceIndex)
    {
        output.Write("data: "u8);
        _json.Reset(output);
        WriteHeader(_json);
        _json.WritePropertyName("choices"u8);
        _json.WriteStartArray();
        _json.WriteStartObject();
        _json.WriteNumber("index"u8, choiceIndex);
        _json.WritePropertyName("delta"u8);
        _json.WriteStartObject();
        return _json;
    }

    private void End(IBufferWriter<byte> output, string? finishReason)
    {
        _json.WriteEndObject();
        _json.WriteNull("logprobs"u8);
        if (finishReason is null)
        {
            _json.WriteNull("finish_reason"u8);
        }
        else
        {
            _json.WriteString("finish_reason"u8, finishReason);
        }

        _json.WriteEndObject();
        _json.WriteEndArray();
        if (IncludeUsage)
        {
            _json.WriteNull("usage"u8);
        }

        _json.WriteEndObject();
        _json.Flush();
        output.Write("\n\n"u8);
    }

    private void WriteHeader(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, Id);
        json.WriteString("object"u8, "chat.completion.chunk"u8);
        json.WriteNumber("created"u8, Created);
        json.WriteString("model"u8, Model);
    }
}
