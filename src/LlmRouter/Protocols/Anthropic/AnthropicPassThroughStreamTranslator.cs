using System.Buffers;
using System.Text.Json;
using LlmRouter.Providers;
using LlmRouter.Providers.Anthropic;
using LlmRouter.Providers.Sse;

namespace LlmRouter.Protocols.Anthropic;

/// <summary>
/// An Anthropic stream for an Anthropic client: every event is copied as it arrived (name and data untouched), and
/// only watched — the first <c>content_block_delta</c> or <c>tool_use</c> start is the first token, usage comes from
/// <c>message_start</c> and <c>message_delta</c>, and an <c>error</c> event ends the stream as failed.
/// </summary>
internal sealed class AnthropicPassThroughStreamTranslator : IStreamTranslator
{
    private readonly SseEventReader _reader = new();
    private AnthropicUsage _usage;
    private bool _stopped;
    private bool _ended;

    public TokenUsage? Usage { get; private set; }

    public string? FinishReason { get; private set; }

    public string? ResponseModel { get; private set; }

    public bool HasContent { get; private set; }

    public int PendingBytes => _reader.Pending;

    public UpstreamError? Error { get; private set; }

    public void Translate(ReadOnlySpan<byte> upstream, IBufferWriter<byte> output)
    {
        if (_ended)
        {
            return;
        }

        _reader.Append(upstream);
        while (!_ended && _reader.TryRead(out var sseEvent))
        {
            OnEvent(sseEvent, output);
        }
    }

    public void Complete(IBufferWriter<byte> output)
    {
        if (_ended)
        {
            return;
        }

        if (_reader.TryReadRemainder(out var last))
        {
            OnEvent(last, output);
        }

        if (!_ended && !_stopped)
        {
            Fail(output, "The upstream stream ended before the response was complete.", "server_error", "stream_truncated");
        }

        _ended = true;
    }

    public void Fail(IBufferWriter<byte> output, string message, string type, string? code)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        Error = new UpstreamError(502, message, type, code);
        AnthropicErrorWriter.WriteEvent(output, Error.StatusCode, message);
    }

    public void Dispose() => _reader.Dispose();

    private void OnEvent(in SseEvent sseEvent, IBufferWriter<byte> output)
    {
        if (sseEvent.Data.IsEmpty && sseEvent.Name.IsEmpty)
        {
            return;
        }

        Copy(sseEvent, output);
        try
        {
            Observe(sseEvent.Name.IsEmpty ? AnthropicStreamTranslator.ReadType(sseEvent.Data) : sseEvent.Name, sseEvent.Data);
        }
        catch (JsonException)
        {
            // A malformed event is the client's to see as the upstream sent it; accounting just learns nothing from it.
        }
    }

    private void Observe(ReadOnlySpan<byte> name, ReadOnlySpan<byte> data)
    {
        if (name.SequenceEqual("content_block_delta"u8))
        {
            HasContent = true;
            return;
        }

        if (name.SequenceEqual("ping"u8) || data.IsEmpty)
        {
            return;
        }

        if (name.SequenceEqual("content_block_start"u8))
        {
            HasContent |= data.IndexOf("\"tool_use\""u8) >= 0;
            return;
        }

        if (name.SequenceEqual("message_stop"u8))
        {
            HasContent = true;
            _stopped = true;
            return;
        }

        var reader = new Utf8JsonReader(data);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (name.SequenceEqual("message_start"u8) && root.TryGetProperty("message"u8, out var message) && message.ValueKind == JsonValueKind.Object)
        {
            if (message.TryGetProperty("model"u8, out var model) && model.ValueKind == JsonValueKind.String)
            {
                ResponseModel = model.GetString();
            }

            UpdateUsage(message);
        }
        else if (name.SequenceEqual("message_delta"u8))
        {
            HasContent = true;
            UpdateUsage(root);
            if (root.TryGetProperty("delta"u8, out var delta) && delta.ValueKind == JsonValueKind.Object
                && delta.TryGetProperty("stop_reason"u8, out var stop) && stop.ValueKind == JsonValueKind.String)
            {
                FinishReason = AnthropicStopReasons.ToFinishReason(stop);
            }
        }
        else if (name.SequenceEqual("error"u8))
        {
            string? type = null;
            string? text = null;
            if (root.TryGetProperty("error"u8, out var error) && error.ValueKind == JsonValueKind.Object)
            {
                type = error.TryGetProperty("type"u8, out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                text = error.TryGetProperty("message"u8, out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            }

            Error = AnthropicErrorTranslator.FromStreamError(type, text);
            _ended = true;
        }
    }

    private void UpdateUsage(JsonElement parent)
    {
        if (parent.TryGetProperty("usage"u8, out var usage))
        {
            _usage.Update(usage);
            Usage = _usage.ToTokenUsage();
        }
    }

    // Re-frames with LF (the upstream's CRLF, if any, is the only thing that may change); name and data are untouched.
    private static void Copy(in SseEvent sseEvent, IBufferWriter<byte> output)
    {
        if (!sseEvent.Name.IsEmpty)
        {
            output.Write("event: "u8);
            output.Write(sseEvent.Name);
            output.Write("\n"u8);
        }

        var data = sseEvent.Data;
        while (true)
        {
            var newline = data.IndexOf((byte)'\n');
            output.Write("data: "u8);
            output.Write(newline < 0 ? data : data[..newline]);
            output.Write("\n"u8);
            if (newline < 0)
            {
                break;
            }

            data = data[(newline + 1)..];
        }

        output.Write("\n"u8);
    }
}
