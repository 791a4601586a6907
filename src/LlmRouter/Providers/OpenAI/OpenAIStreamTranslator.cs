using System.Buffers;
using System.Text;
using System.Text.Json;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Providers.Sse;

namespace LlmRouter.Providers.OpenAI;

/// <summary>
/// Passes an OpenAI stream through event by event (re-framed as <c>data: &lt;json&gt;\n\n</c>) while reading what
/// the gateway needs for accounting from each chunk with one forward reader pass.
/// </summary>
/// <remarks>
/// <para>The gateway always asks the upstream for the usage chunk. When the client did not, that chunk is dropped;
/// the <c>"usage":null</c> the upstream then adds to every other chunk is left in place: clients ignore it, and
/// removing it would turn every chunk from a straight copy into a rewrite.</para>
/// <para>Gemini's OpenAI-compatible endpoint is normalised on the side: tool-call deltas without <c>index</c> get
/// the running index of their choice, and <c>finish_reason:"stop"</c> after tool calls becomes <c>"tool_calls"</c>.
/// Both are splices found by the same pass, so OpenAI's own chunks cost nothing extra.</para>
/// <para>A stream that ends without <c>[DONE]</c> but after every choice finished ends normally (some compatible
/// servers omit <c>[DONE]</c>, and the client already has the whole answer); one that ends earlier gets a
/// <c>stream_truncated</c> error event.</para>
/// </remarks>
internal sealed class OpenAIStreamTranslator : IStreamTranslator
{
    // Per-choice tool-call counters beyond this are not kept; n is at most 128.
    private const int MaxTrackedChoices = 128;
    private const int CachedIndexPrefixes = 16;

    private static readonly byte[] ToolCallsValue = "\"tool_calls\""u8.ToArray();
    private static readonly byte[][] IndexPrefixes = CreateIndexPrefixes(withComma: true);
    private static readonly byte[][] IndexOnly = CreateIndexPrefixes(withComma: false);

    private readonly SseEventReader _reader = new();
    private readonly Utf8EditList _edits = new();
    private readonly List<(int Position, bool Empty)> _untaggedToolCalls = [];
    private readonly bool _includeUsage;
    private readonly int _expectedChoices;
    private int[] _toolCallCounts = [];
    private int _finishedChoices;
    private bool _ended;

    /// <param name="includeUsage">Whether the client asked for the usage chunk.</param>
    /// <param name="choices">The request's <c>n</c>: how many finish reasons make a complete stream.</param>
    public OpenAIStreamTranslator(bool includeUsage, int choices)
    {
        _includeUsage = includeUsage;
        _expectedChoices = Math.Max(choices, 1);
    }

    public TokenUsage? Usage { get; private set; }

    public string? FinishReason { get; private set; }

    public string? ResponseModel { get; private set; }

    public UpstreamError? Error { get; private set; }

    public bool HasContent { get; private set; }

    public int PendingBytes => _reader.Pending;

    public void Translate(ReadOnlySpan<byte> upstream, IBufferWriter<byte> output)
    {
        if (_ended)
        {
            return;
        }

        _reader.Append(upstream);
        while (!_ended && _reader.TryRead(out var sseEvent))
        {
            OnEvent(sseEvent, output, atEnd: false);
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
            OnEvent(last, output, atEnd: true);
        }

        if (_ended)
        {
            return;
        }

        if (_finishedChoices >= _expectedChoices)
        {
            _ended = true;
            ChatChunkWriter.WriteDone(output);
            return;
        }

        EndWithError(output, Truncated());
    }

    public void Fail(IBufferWriter<byte> output, string message, string type, string? code)
        => EndWithError(output, new UpstreamError(502, message, type, code));

    public void Dispose()
    {
        _reader.Dispose();
        _edits.Dispose();
    }

    private static UpstreamError Truncated()
        => new(502, "The upstream stream ended before the response was complete.", OpenAIErrorKinds.Server, "stream_truncated");

    private static byte[][] CreateIndexPrefixes(bool withComma)
    {
        var prefixes = new byte[CachedIndexPrefixes][];
        for (var i = 0; i < prefixes.Length; i++)
        {
            prefixes[i] = IndexPrefix(i, withComma);
        }

        return prefixes;
    }

    private static byte[] IndexPrefix(int index, bool withComma)
        => Encoding.UTF8.GetBytes(withComma ? $"\"index\":{index}," : $"\"index\":{index}");

    private void OnEvent(in SseEvent sseEvent, IBufferWriter<byte> output, bool atEnd)
    {
        var data = sseEvent.Data;
        if (data.IsEmpty)
        {
            // Not SSE at all: a compatible server's raw JSON error line. Anything else (comments, keep-alives) is dropped.
            if (!sseEvent.Unparsed.IsEmpty)
            {
                OnUnparsed(sseEvent.Unparsed, output);
            }

            return;
        }

        if (data.Trim((byte)' ').SequenceEqual("[DONE]"u8))
        {
            _ended = true;
            ChatChunkWriter.WriteDone(output);
            return;
        }

        OnChunk(data, output, atEnd);
    }

    private void OnChunk(ReadOnlySpan<byte> data, IBufferWriter<byte> output, bool atEnd)
    {
        _edits.Clear();
        ErrorFields? error = null;
        var choiceCount = 0;
        var hasUsage = false;
        try
        {
            var reader = new Utf8JsonReader(data);
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                error = ReadWrappedError(ref reader);
            }
            else if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("A stream chunk must be a JSON object.");
            }
            else
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("choices"u8))
                    {
                        reader.Read();
                        choiceCount = ScanChoices(ref reader);
                    }
                    else if (reader.ValueTextEquals("usage"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.StartObject)
                        {
                            Usage = OpenAIUsageReader.Read(ref reader);
                            hasUsage = true;
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                    else if (reader.ValueTextEquals("model"u8))
                    {
                        reader.Read();
                        if (ResponseModel is null && reader.TokenType == JsonTokenType.String)
                        {
                            ResponseModel = reader.GetString();
                        }

                        reader.Skip();
                    }
                    else if (reader.ValueTextEquals("error"u8))
                    {
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.Null)
                        {
                            error = OpenAIErrorTranslator.ReadErrorObject(ref reader);
                        }
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // An event cut short at the end of the body is a truncated stream, not a malformed one.
            EndWithError(output, atEnd ? Truncated() : new UpstreamError(
                502, "The upstream sent a stream event that is not valid JSON.", OpenAIErrorKinds.Server, "invalid_upstream_event"));
            return;
        }

        if (error is { } fields)
        {
            EndWithUpstreamError(output, fields, data);
            return;
        }

        if (choiceCount == 0 && hasUsage && !_includeUsage)
        {
            return;
        }

        WriteEvent(output, data);
    }

    private int ScanChoices(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return 0;
        }

        var ordinal = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            ScanChoice(ref reader, ordinal++);
        }

        return ordinal;
    }

    private void ScanChoice(ref Utf8JsonReader reader, int ordinal)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        var choiceIndex = ordinal;
        var finishStart = -1;
        var finishLength = 0;
        string? finish = null;
        var explicitToolCalls = 0;
        _untaggedToolCalls.Clear();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("delta"u8))
            {
                reader.Read();
                ScanDelta(ref reader, ref explicitToolCalls);
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    finishStart = (int)reader.TokenStartIndex;
                    finishLength = (int)reader.BytesConsumed - finishStart;
                    finish = reader.ValueIsEscaped ? reader.GetString() : OpenAIFinishReasons.FromUtf8(reader.ValueSpan);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var index))
                {
                    choiceIndex = index;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if ((uint)choiceIndex < MaxTrackedChoices)
        {
            finish = NormaliseToolCalls(choiceIndex, explicitToolCalls, finish, finishStart, finishLength);
        }

        if (finish is not null)
        {
            HasContent = true;
            _finishedChoices++;
            if (FinishReason is null || choiceIndex == 0)
            {
                FinishReason = finish;
            }
        }
    }

    private string? NormaliseToolCalls(int choiceIndex, int explicitToolCalls, string? finish, int finishStart, int finishLength)
    {
        if (_toolCallCounts.Length <= choiceIndex)
        {
            Array.Resize(ref _toolCallCounts, Math.Max(choiceIndex + 1, _expectedChoices));
        }

        ref var count = ref _toolCallCounts[choiceIndex];
        foreach (var (position, empty) in _untaggedToolCalls)
        {
            var prefixes = empty ? IndexOnly : IndexPrefixes;
            _edits.Add(position, 0, count < CachedIndexPrefixes ? prefixes[count] : IndexPrefix(count, !empty));
            count++;
        }

        count = Math.Max(count, explicitToolCalls);
        if (count > 0 && ReferenceEquals(finish, OpenAIFinishReasons.Stop))
        {
            _edits.Add(finishStart, finishLength, ToolCallsValue);
            return OpenAIFinishReasons.ToolCalls;
        }

        return finish;
    }

    private void ScanDelta(ref Utf8JsonReader reader, ref int explicitToolCalls)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isToolCalls = reader.ValueTextEquals("tool_calls"u8);
            var isContent = !isToolCalls && IsContentField(ref reader);
            reader.Read();
            if (isContent && !HasContent)
            {
                // Text, a refusal, reasoning or a legacy function call: the first token. Empty strings and nulls are not.
                HasContent = reader.TokenType == JsonTokenType.StartObject || (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0);
            }

            if (!isToolCalls || reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }

            HasContent = true;

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ScanToolCall(ref reader, ref explicitToolCalls);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
    }

    private static bool IsContentField(ref Utf8JsonReader reader)
        => reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("refusal"u8) || reader.ValueTextEquals("reasoning_content"u8)
            || reader.ValueTextEquals("reasoning"u8) || reader.ValueTextEquals("function_call"u8);

    private void ScanToolCall(ref Utf8JsonReader reader, ref int explicitToolCalls)
    {
        var afterBrace = (int)reader.TokenStartIndex + 1;
        var empty = true;
        var hasIndex = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            empty = false;
            var isIndex = reader.ValueTextEquals("index"u8);
            reader.Read();
            if (isIndex)
            {
                hasIndex = true;
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var index) && index >= 0)
                {
                    explicitToolCalls = Math.Max(explicitToolCalls, index + 1);
                }
            }

            reader.Skip();
        }

        if (!hasIndex)
        {
            _untaggedToolCalls.Add((afterBrace, empty));
        }
    }

    /// <summary>Reads <c>[{"error":{...}}]</c>, the array-wrapped error some compatible servers stream.</summary>
    private static ErrorFields ReadWrappedError(ref Utf8JsonReader reader)
    {
        ErrorFields fields = default;
        if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isError = reader.ValueTextEquals("error"u8);
                reader.Read();
                if (isError)
                {
                    fields = OpenAIErrorTranslator.ReadErrorObject(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        if (fields.Message is null)
        {
            throw new JsonException("An array stream chunk must wrap an error object.");
        }

        // Wrapped errors are Google-shaped; the client gets a proper OpenAI event rather than the raw array.
        return fields with { IsOpenAIShape = false };
    }

    private void OnUnparsed(ReadOnlySpan<byte> unparsed, IBufferWriter<byte> output)
    {
        var trimmed = unparsed.Trim(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] is not ((byte)'{' or (byte)'['))
        {
            return;
        }

        try
        {
            var reader = new Utf8JsonReader(trimmed);
            reader.Read();
            ErrorFields? error = null;
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                error = ReadWrappedError(ref reader);
            }
            else
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isError = reader.ValueTextEquals("error"u8);
                    reader.Read();
                    if (isError && reader.TokenType != JsonTokenType.Null)
                    {
                        error = OpenAIErrorTranslator.ReadErrorObject(ref reader) with { IsOpenAIShape = false };
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }

            if (error is { } fields)
            {
                EndWithUpstreamError(output, fields, default);
            }
        }
        catch (JsonException)
        {
            // Stray non-SSE text that is not a JSON error carries nothing for the client.
        }
    }

    private void EndWithUpstreamError(IBufferWriter<byte> output, ErrorFields fields, ReadOnlySpan<byte> rawEvent)
    {
        var type = fields.Type ?? OpenAIErrorKinds.Server;
        var message = fields.Message ?? "The upstream reported an error.";
        _ended = true;
        Error = new UpstreamError(OpenAIErrorKinds.StatusFor(type), message, type, fields.Code) { Param = fields.Param };
        if (fields.IsOpenAIShape && !rawEvent.IsEmpty)
        {
            // OpenAI's own error event is already what the client's SDK expects; forward it as sent.
            _edits.Clear();
            WriteEvent(output, rawEvent);
        }
        else
        {
            ChatChunkWriter.WriteError(output, message, type, fields.Code);
        }

        // No [DONE] after an error: see SseStreamTranslator.EndWithError.
    }

    private void EndWithError(IBufferWriter<byte> output, UpstreamError error)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        Error = error;
        ChatChunkWriter.WriteError(output, error.Message, error.Type, error.Code);
    }

    /// <summary>Writes <c>data: &lt;json&gt;\n\n</c> with the pending edits applied, in one buffer request.</summary>
    private void WriteEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        var length = _edits.ResultLength(data);
        var span = output.GetSpan(length + 8);
        "data: "u8.CopyTo(span);
        var json = span.Slice(6, _edits.CopyTo(data, span[6..]));

        // Data spread over several "data:" lines arrives joined with '\n'; JSON strings cannot hold a raw newline,
        // so a space keeps the JSON identical and the event on one line.
        json.Replace((byte)'\n', (byte)' ');
        "\n\n"u8.CopyTo(span[(6 + json.Length)..]);
        output.Advance(length + 8);
    }
}
