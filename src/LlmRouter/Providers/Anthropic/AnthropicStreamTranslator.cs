using System.Buffers;
using System.Text;
using System.Text.Json;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Providers.Sse;

namespace LlmRouter.Providers.Anthropic;

/// <summary>
/// Translates Anthropic Messages stream events into OpenAI chunks as they arrive. Deltas (almost every event) are read
/// with <see cref="Utf8JsonReader"/> and written straight from UTF-8; the rare structural events use a JsonDocument.
/// Tool-call indexes count tool calls, not Anthropic content blocks; a tool that streamed no arguments gets <c>"{}"</c>;
/// the synthetic JSON tool streams as content. Usage is captured for accounting whether or not the client asked for it.
/// </summary>
internal sealed class AnthropicStreamTranslator : SseStreamTranslator
{
    private readonly bool _jsonTool;
    private byte[] _utf8 = ArrayPool<byte>.Shared.Rent(256);
    private char[] _chars = ArrayPool<char>.Shared.Rent(256);
    private AnthropicUsage _usage;
    private int _toolCount;
    private int _currentToolIndex;
    private bool _inTool;
    private bool _inJsonTool;
    private bool _blockHasArguments;
    private bool _finishWritten;
    private bool _stopped;

    public AnthropicStreamTranslator(ChatRequest request, Deployment deployment, TimeProvider time)
        : base(new ChatChunkWriter(OpenAIIds.NewCompletionId(), OpenAIIds.Now(time), deployment.UpstreamModel, request.IncludeUsage))
    {
        _jsonTool = AnthropicRequestTranslator.UsesJsonTool(request);
    }

    protected override bool IsFinished => _stopped || _finishWritten;

    public override void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_utf8);
        ArrayPool<char>.Shared.Return(_chars);
        _utf8 = [];
        _chars = [];
        base.Dispose();
    }

    protected override void OnEvent(in SseEvent sseEvent, IBufferWriter<byte> output)
    {
        var data = sseEvent.Data;
        if (data.IsEmpty)
        {
            return;
        }

        try
        {
            // Anthropic sends both an event name and data.type; accept data.type alone as well.
            var name = sseEvent.Name.IsEmpty ? ReadType(data) : sseEvent.Name;
            if (name.SequenceEqual("content_block_delta"u8))
            {
                OnBlockDelta(data, output);
            }
            else if (name.SequenceEqual("content_block_start"u8))
            {
                OnBlockStart(data, output);
            }
            else if (name.SequenceEqual("content_block_stop"u8))
            {
                OnBlockStop(output);
            }
            else if (name.SequenceEqual("message_start"u8))
            {
                OnMessageStart(data, output);
            }
            else if (name.SequenceEqual("message_delta"u8))
            {
                OnMessageDelta(data, output);
            }
            else if (name.SequenceEqual("message_stop"u8))
            {
                OnMessageStop(output);
            }
            else if (name.SequenceEqual("error"u8))
            {
                OnError(data, output);
            }

            // ping and event types added later by Anthropic are ignored.
        }
        catch (JsonException)
        {
            EndWithError(output, new UpstreamError(502, "The upstream sent a malformed stream event.", "server_error", "bad_upstream_response"));
        }
    }

    private void OnBlockDelta(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        var reader = new Utf8JsonReader(data);
        ReadOnlySpan<byte> deltaType = default;
        var length = -1;
        reader.Read();
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
            {
                continue;
            }

            var isDelta = reader.ValueTextEquals("delta"u8);
            reader.Read();
            if (!isDelta || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    deltaType = reader.ValueSpan;
                }
                else if (reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("partial_json"u8))
                {
                    reader.Read();
                    length = reader.TokenType == JsonTokenType.String ? CopyString(ref reader) : -1;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }

        if (length <= 0)
        {
            return;
        }

        var value = _utf8.AsSpan(0, length);
        if (deltaType.SequenceEqual("text_delta"u8))
        {
            EnsureRole(output);
            Chunks.WriteContentUtf8(output, value);
        }
        else if (deltaType.SequenceEqual("input_json_delta"u8))
        {
            if (_inJsonTool)
            {
                EnsureRole(output);
                Chunks.WriteContentUtf8(output, value);
                _blockHasArguments = true;
            }
            else if (_inTool)
            {
                if (_chars.Length < length)
                {
                    ArrayPool<char>.Shared.Return(_chars);
                    _chars = ArrayPool<char>.Shared.Rent(length);
                }

                var charCount = Encoding.UTF8.GetChars(value, _chars);
                Chunks.WriteToolCallArguments(output, _currentToolIndex, _chars.AsSpan(0, charCount));
                _blockHasArguments = true;
            }
        }

        // thinking_delta, signature_delta and citations_delta have no OpenAI equivalent.
    }

    private int CopyString(ref Utf8JsonReader reader)
    {
        // Unescaped text is never longer than its escaped form.
        var needed = reader.ValueSpan.Length;
        if (_utf8.Length < needed)
        {
            ArrayPool<byte>.Shared.Return(_utf8);
            _utf8 = ArrayPool<byte>.Shared.Rent(needed);
        }

        return reader.CopyString(_utf8);
    }

    private void OnBlockStart(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        _inTool = _inJsonTool = _blockHasArguments = false;
        using var document = Parse(data);
        if (!document.RootElement.TryGetProperty("content_block"u8, out var block) || block.ValueKind != JsonValueKind.Object
            || !block.TryGetProperty("type"u8, out var type))
        {
            return;
        }

        if (type.ValueEquals("text"u8))
        {
            if (block.TryGetProperty("text"u8, out var text) && text.ValueKind == JsonValueKind.String && text.GetString() is { Length: > 0 } initial)
            {
                EnsureRole(output);
                Chunks.WriteContent(output, initial);
            }

            return;
        }

        if (!type.ValueEquals("tool_use"u8) || !block.TryGetProperty("name"u8, out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
        {
            return;
        }

        EnsureRole(output);
        if (_jsonTool && nameElement.ValueEquals(AnthropicRequestTranslator.JsonToolName))
        {
            _inJsonTool = true;
            return;
        }

        var id = block.TryGetProperty("id"u8, out var idElement) && idElement.ValueKind == JsonValueKind.String
            && idElement.GetString() is { Length: > 0 } upstreamId
            ? upstreamId
            : OpenAIIds.NewToolCallId();
        _currentToolIndex = _toolCount++;
        _inTool = true;
        Chunks.WriteToolCallStart(output, _currentToolIndex, id, nameElement.GetString()!, ReadOnlySpan<char>.Empty);
    }

    private void OnBlockStop(IBufferWriter<byte> output)
    {
        // A zero-argument call may stream no fragment at all; clients still need parseable arguments.
        if (_inTool && !_blockHasArguments)
        {
            Chunks.WriteToolCallArguments(output, _currentToolIndex, "{}");
        }
        else if (_inJsonTool && !_blockHasArguments)
        {
            Chunks.WriteContent(output, "{}");
        }

        _inTool = _inJsonTool = _blockHasArguments = false;
    }

    private void OnMessageStart(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        using (var document = Parse(data))
        {
            if (document.RootElement.TryGetProperty("message"u8, out var message) && message.ValueKind == JsonValueKind.Object)
            {
                if (message.TryGetProperty("model"u8, out var model) && model.ValueKind == JsonValueKind.String
                    && model.GetString() is { Length: > 0 } upstreamModel)
                {
                    Chunks.Model = upstreamModel;
                    ResponseModel = upstreamModel;
                }

                if (message.TryGetProperty("usage"u8, out var usage))
                {
                    _usage.Update(usage);
                    Usage = _usage.ToTokenUsage();
                }
            }
        }

        EnsureRole(output);
    }

    private void OnMessageDelta(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        using var document = Parse(data);
        var root = document.RootElement;
        if (root.TryGetProperty("usage"u8, out var usage))
        {
            _usage.Update(usage);
            Usage = _usage.ToTokenUsage();
        }

        if (_finishWritten
            || !root.TryGetProperty("delta"u8, out var delta) || delta.ValueKind != JsonValueKind.Object
            || !delta.TryGetProperty("stop_reason"u8, out var stopReason) || stopReason.ValueKind != JsonValueKind.String)
        {
            return;
        }

        var finishReason = AnthropicStopReasons.ToFinishReason(stopReason);

        // The synthetic JSON tool is the answer itself, not a call the client has to make.
        if (_jsonTool && _toolCount == 0 && finishReason == "tool_calls")
        {
            finishReason = "stop";
        }

        WriteFinish(output, finishReason);
    }

    private void OnMessageStop(IBufferWriter<byte> output)
    {
        if (!_finishWritten)
        {
            WriteFinish(output, "stop");
        }

        _stopped = true;
        WriteEnding(output);
    }

    private void OnError(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        string? type = null;
        string? message = null;
        using (var document = Parse(data))
        {
            if (document.RootElement.TryGetProperty("error"u8, out var error) && error.ValueKind == JsonValueKind.Object)
            {
                if (error.TryGetProperty("type"u8, out var typeElement) && typeElement.ValueKind == JsonValueKind.String)
                {
                    type = typeElement.GetString();
                }

                if (error.TryGetProperty("message"u8, out var messageElement) && messageElement.ValueKind == JsonValueKind.String)
                {
                    message = messageElement.GetString();
                }
            }
        }

        EndWithError(output, AnthropicErrorTranslator.FromStreamError(type, message));
    }

    private void WriteFinish(IBufferWriter<byte> output, string finishReason)
    {
        EnsureRole(output);
        Chunks.WriteFinish(output, finishReason);
        FinishReason = finishReason;
        _finishWritten = true;
    }

    private static JsonDocument Parse(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        return JsonDocument.ParseValue(ref reader);
    }

    /// <summary>The <c>type</c> of an Anthropic event's data, for events that come without an <c>event:</c> line.</summary>
    internal static ReadOnlySpan<byte> ReadType(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                return reader.TokenType == JsonTokenType.String ? reader.ValueSpan : default;
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= 1)
            {
                reader.Skip();
            }
        }

        return default;
    }
}
