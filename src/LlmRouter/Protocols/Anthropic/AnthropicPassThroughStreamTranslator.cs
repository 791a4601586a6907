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
internal sealed class AnthropicPassThroughStreamTranslator : SseEventTranslator
{
    private AnthropicUsage _usage;
    private bool _content;
    private bool _stopped;

    public override bool HasContent => _content;

    protected override bool IsFinished => _stopped;

    // The upstream's own message_stop was copied: nothing to add.
    protected override void WriteClosing(IBufferWriter<byte> output)
    {
    }

    protected override void WriteErrorEvent(IBufferWriter<byte> output, UpstreamError error)
        => AnthropicErrorWriter.WriteEvent(output, error.StatusCode, error.Message);

    protected override void OnEvent(in SseEvent sseEvent, IBufferWriter<byte> output)
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
            _content = true;
            return;
        }

        if (name.SequenceEqual("ping"u8) || data.IsEmpty)
        {
            return;
        }

        if (name.SequenceEqual("content_block_start"u8))
        {
            _content |= data.IndexOf("\"tool_use\""u8) >= 0;
            return;
        }

        if (name.SequenceEqual("message_stop"u8))
        {
            _content = true;
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
            _content = true;
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

            EndWithCopiedError(AnthropicErrorTranslator.FromStreamError(type, text));
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
