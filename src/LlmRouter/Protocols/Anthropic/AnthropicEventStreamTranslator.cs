using System.Buffers;
using System.Text.Json;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Providers;
using LlmRouter.Providers.Sse;

namespace LlmRouter.Protocols.Anthropic;

/// <summary>
/// Decorates a provider's stream translator for an Anthropic client: the provider's OpenAI chunks become Anthropic
/// events — <c>message_start</c> (with usage), <c>ping</c>, <c>content_block_start/delta/stop</c> with the content
/// array's indices for text and <c>tool_use</c> (<c>input_json_delta</c>), <c>message_delta</c> (stop reason and
/// cumulative usage) and <c>message_stop</c>; an error chunk becomes <c>event: error</c> (and no <c>message_stop</c>).
/// First token, usage, error and pending bytes are the inner translator's, so commit, limits and accounting are unchanged.
/// </summary>
/// <remarks>
/// <c>message_start</c> goes out with the first chunk, by when a Gemini upstream has reported its prompt tokens; an
/// OpenAI upstream reports usage only at the end, so its <c>message_start</c> carries the gateway's estimate of the
/// input tokens and <c>message_delta</c> the real figures.
/// </remarks>
internal sealed class AnthropicEventStreamTranslator : IStreamTranslator
{
    private readonly IStreamTranslator _inner;
    private readonly ArrayBufferWriter<byte> _chunks = new(4096);
    private readonly SseEventReader _reader = new();
    private readonly Utf8JsonWriter _json = new(Stream.Null, JsonOutput.Unvalidated);
    private readonly string _id = AnthropicIds.NewMessageId();
    private readonly Dictionary<int, int> _toolBlocks = [];
    private readonly int _estimatedInputTokens;
    private string _model;
    private TokenUsage? _usage;
    private string? _finishReason;
    private UpstreamError? _error;
    private int _nextBlock;
    private int _openBlock = -1;
    private bool _started;
    private bool _ended;

    /// <param name="inner">The provider's translator (Anthropic events in, OpenAI chunks out is its job).</param>
    /// <param name="model">The model reported until the upstream names its own.</param>
    /// <param name="estimatedInputTokens">What <c>message_start</c> says when the upstream has not reported usage yet.</param>
    public AnthropicEventStreamTranslator(IStreamTranslator inner, string model, int estimatedInputTokens)
    {
        _inner = inner;
        _model = model;
        _estimatedInputTokens = estimatedInputTokens;
    }

    public TokenUsage? Usage => _inner.Usage;

    public string? FinishReason => _inner.FinishReason;

    public string? ResponseModel => _inner.ResponseModel;

    public bool HasContent => _inner.HasContent;

    public int PendingBytes => _inner.PendingBytes;

    public UpstreamError? Error => _error ?? _inner.Error;

    public void Translate(ReadOnlySpan<byte> upstream, IBufferWriter<byte> output)
    {
        _inner.Translate(upstream, _chunks);
        Convert(output);
    }

    public void Complete(IBufferWriter<byte> output)
    {
        _inner.Complete(_chunks);
        Convert(output);
    }

    public void Fail(IBufferWriter<byte> output, string message, string type, string? code)
    {
        _inner.Fail(_chunks, message, type, code);
        Convert(output);
    }

    public void Dispose()
    {
        _inner.Dispose();
        _reader.Dispose();
        _json.Dispose();
    }

    // The inner translator writes whole events only; each one becomes zero or more Anthropic events.
    private void Convert(IBufferWriter<byte> output)
    {
        if (_chunks.WrittenCount == 0)
        {
            return;
        }

        _reader.Append(_chunks.WrittenSpan);
        _chunks.ResetWrittenCount();
        while (!_ended && _reader.TryRead(out var sseEvent))
        {
            try
            {
                OnChunk(sseEvent.Data, output);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                // OpenAI chunks pass the provider translator nearly verbatim: one this reader cannot take ends the stream.
                _ended = true;
                _error = new UpstreamError(502, "The upstream sent a malformed stream event.", "server_error", "bad_upstream_response");
                AnthropicErrorWriter.WriteEvent(output, _error.StatusCode, _error.Message);
            }
        }
    }

    private void OnChunk(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (data.IsEmpty)
        {
            return;
        }

        if (data.SequenceEqual("[DONE]"u8))
        {
            Finish(output);
            return;
        }

        var reader = new Utf8JsonReader(data, new JsonReaderOptions { MaxDepth = 128 });
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (root.TryGetProperty("error"u8, out var error) && error.ValueKind == JsonValueKind.Object)
        {
            _ended = true;
            var message = error.TryGetProperty("message"u8, out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "The upstream failed.";
            AnthropicErrorWriter.WriteEvent(output, _inner.Error?.StatusCode ?? 502, message);
            return;
        }

        if (root.TryGetProperty("model"u8, out var model) && model.ValueKind == JsonValueKind.String && !_started)
        {
            _model = model.GetString()!;
        }

        EnsureStarted(output);
        if (root.TryGetProperty("usage"u8, out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            _usage = ReadUsage(usage);
        }

        if (!root.TryGetProperty("choices"u8, out var choices) || choices.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var choice in choices.EnumerateArray())
        {
            if (choice.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            // An Anthropic message has one answer; n is 1 for Anthropic clients.
            if (choice.TryGetProperty("delta"u8, out var delta) && delta.ValueKind == JsonValueKind.Object)
            {
                OnDelta(delta, output);
            }

            if (choice.TryGetProperty("finish_reason"u8, out var finish) && finish.ValueKind == JsonValueKind.String)
            {
                _finishReason = finish.GetString();
                CloseBlock(output);
            }
        }
    }

    private void OnDelta(JsonElement delta, IBufferWriter<byte> output)
    {
        if (delta.TryGetProperty("content"u8, out var content) && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 } text)
        {
            if (_openBlock < 0 || _toolBlocks.ContainsValue(_openBlock))
            {
                CloseBlock(output);
                _openBlock = _nextBlock++;
                WriteEvent(output, "content_block_start"u8, json =>
                {
                    json.WriteNumber("index"u8, _openBlock);
                    json.WritePropertyName("content_block"u8);
                    json.WriteStartObject();
                    json.WriteString("type"u8, "text"u8);
                    json.WriteString("text"u8, ""u8);
                    json.WriteEndObject();
                });
            }

            WriteEvent(output, "content_block_delta"u8, json =>
            {
                json.WriteNumber("index"u8, _openBlock);
                json.WritePropertyName("delta"u8);
                json.WriteStartObject();
                json.WriteString("type"u8, "text_delta"u8);
                json.WriteString("text"u8, text);
                json.WriteEndObject();
            });
        }

        if (!delta.TryGetProperty("tool_calls"u8, out var calls) || calls.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var call in calls.EnumerateArray())
        {
            if (call.ValueKind == JsonValueKind.Object)
            {
                OnToolCall(call, output);
            }
        }
    }

    private void OnToolCall(JsonElement call, IBufferWriter<byte> output)
    {
        var toolIndex = call.TryGetProperty("index"u8, out var indexElement) && indexElement.ValueKind == JsonValueKind.Number && indexElement.TryGetInt32(out var i) ? i : 0;
        var function = call.TryGetProperty("function"u8, out var f) && f.ValueKind == JsonValueKind.Object ? f : default;
        if (!_toolBlocks.TryGetValue(toolIndex, out var block))
        {
            CloseBlock(output);
            block = _openBlock = _nextBlock++;
            _toolBlocks[toolIndex] = block;
            var id = call.TryGetProperty("id"u8, out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString()! : OpenAIIds.NewToolCallId();
            var name = function.ValueKind == JsonValueKind.Object && function.TryGetProperty("name"u8, out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
            WriteEvent(output, "content_block_start"u8, json =>
            {
                json.WriteNumber("index"u8, block);
                json.WritePropertyName("content_block"u8);
                json.WriteStartObject();
                json.WriteString("type"u8, "tool_use"u8);
                json.WriteString("id"u8, id);
                json.WriteString("name"u8, name);
                json.WritePropertyName("input"u8);
                json.WriteStartObject();
                json.WriteEndObject();
                json.WriteEndObject();
            });
        }

        if (block != _openBlock
            || function.ValueKind != JsonValueKind.Object
            || !function.TryGetProperty("arguments"u8, out var arguments) || arguments.ValueKind != JsonValueKind.String
            || arguments.GetString() is not { Length: > 0 } fragment)
        {
            // Fragments of a call whose block is already closed (interleaved parallel calls) cannot be placed.
            return;
        }

        WriteEvent(output, "content_block_delta"u8, json =>
        {
            json.WriteNumber("index"u8, block);
            json.WritePropertyName("delta"u8);
            json.WriteStartObject();
            json.WriteString("type"u8, "input_json_delta"u8);
            json.WriteString("partial_json"u8, fragment);
            json.WriteEndObject();
        });
    }

    private void Finish(IBufferWriter<byte> output)
    {
        _ended = true;
        EnsureStarted(output);
        CloseBlock(output);
        var usage = _usage ?? _inner.Usage;
        WriteEvent(output, "message_delta"u8, json =>
        {
            json.WritePropertyName("delta"u8);
            json.WriteStartObject();
            json.WriteString("stop_reason"u8, AnthropicMessageWriter.ToStopReason(_finishReason ?? _inner.FinishReason));
            json.WriteNull("stop_sequence"u8);
            json.WriteEndObject();
            json.WritePropertyName("usage"u8);
            AnthropicMessageWriter.WriteUsage(json, usage, usage?.PromptTokens ?? _estimatedInputTokens);
        });
        WriteEvent(output, "message_stop"u8, static _ => { });
    }

    private void EnsureStarted(IBufferWriter<byte> output)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        var known = _inner.Usage;
        WriteEvent(output, "message_start"u8, json =>
        {
            json.WritePropertyName("message"u8);
            json.WriteStartObject();
            json.WriteString("id"u8, _id);
            json.WriteString("type"u8, "message"u8);
            json.WriteString("role"u8, "assistant"u8);
            json.WriteString("model"u8, _model);
            json.WritePropertyName("content"u8);
            json.WriteStartArray();
            json.WriteEndArray();
            json.WriteNull("stop_reason"u8);
            json.WriteNull("stop_sequence"u8);
            json.WritePropertyName("usage"u8);
            AnthropicMessageWriter.WriteUsage(json, known is { } u ? u with { CompletionTokens = 0 } : null, known?.PromptTokens ?? _estimatedInputTokens);
            json.WriteEndObject();
        });
        WriteEvent(output, "ping"u8, static _ => { });
    }

    private void CloseBlock(IBufferWriter<byte> output)
    {
        if (_openBlock < 0)
        {
            return;
        }

        var index = _openBlock;
        _openBlock = -1;
        WriteEvent(output, "content_block_stop"u8, json => json.WriteNumber("index"u8, index));
    }

    private void WriteEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> name, Action<Utf8JsonWriter> body)
    {
        output.Write("event: "u8);
        output.Write(name);
        output.Write("\ndata: "u8);
        _json.Reset(output);
        _json.WriteStartObject();
        _json.WriteString("type"u8, name);
        body(_json);
        _json.WriteEndObject();
        _json.Flush();
        output.Write("\n\n"u8);
    }

    private static TokenUsage ReadUsage(JsonElement usage)
    {
        static int Read(JsonElement parent, ReadOnlySpan<byte> name)
            => parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var count) ? count : 0;

        var prompt = Read(usage, "prompt_tokens"u8);
        var completion = Read(usage, "completion_tokens"u8);
        var cached = usage.TryGetProperty("prompt_tokens_details"u8, out var details) ? Read(details, "cached_tokens"u8) : 0;
        return new TokenUsage(prompt, completion, prompt + completion, cached);
    }
}
