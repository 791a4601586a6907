using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Providers.Sse;

namespace LlmRouter.Providers.Gemini;

/// <summary>
/// Translates a Gemini <c>streamGenerateContent?alt=sse</c> body (wire-formats §3.4, §4.4): each event is a whole
/// <c>GenerateContentResponse</c>, events are CRLF-separated, there is no <c>[DONE]</c> (the body just ends), usage
/// is cumulative, function calls arrive whole, and errors may come as raw or array-wrapped JSON lines.
/// </summary>
internal sealed class GeminiStreamTranslator : SseStreamTranslator
{
    // Gemini allows at most 8 candidates; anything far beyond is not a real index and falls back to the position.
    private const int MaxCandidateIndex = 127;

    private readonly ThoughtSignatureStore _signatures;
    private readonly ArrayBufferWriter<byte> _text = new(256);
    private GeminiCandidateState[] _candidates = new GeminiCandidateState[1];
    private int _startedCount;
    private int _finishedCount;
    private bool _promptBlocked;
    private bool _modelSeen;

    public GeminiStreamTranslator(ChatChunkWriter chunks, ThoughtSignatureStore signatures)
        : base(chunks)
    {
        _signatures = signatures;
    }

    /// <summary>Every candidate that appeared has sent its finish reason (or the prompt was blocked).</summary>
    protected override bool IsFinished => _promptBlocked || (_finishedCount > 0 && _finishedCount == _startedCount);

    protected override void OnEvent(in SseEvent sseEvent, IBufferWriter<byte> output)
    {
        var data = sseEvent.Data;
        if (data.IsEmpty)
        {
            // Gemini reports failures inside a 200 stream as raw JSON lines, not as data events.
            if (!sseEvent.Unparsed.IsEmpty && GeminiErrorTranslator.TryParse(sseEvent.Unparsed, httpStatus: null, out var rawError))
            {
                EndWithError(output, rawError);
            }

            return;
        }

        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(data);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            EndWithError(output, new UpstreamError(502, "The upstream sent a malformed stream event.", "server_error"));
            return;
        }

        using (document)
        {
            OnResponse(document.RootElement, output);
        }
    }

    private void OnResponse(JsonElement root, IBufferWriter<byte> output)
    {
        if (GeminiErrorTranslator.TryFromRoot(root, httpStatus: null, out var error))
        {
            EndWithError(output, error);
            return;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (!_modelSeen && root.TryGetProperty("modelVersion"u8, out var modelVersion) && modelVersion.ValueKind == JsonValueKind.String)
        {
            _modelSeen = true;
            ResponseModel = modelVersion.GetString();

            // Every chunk of one stream reports the same model, so only adopt it before the first chunk.
            if (!RoleSent)
            {
                Chunks.Model = ResponseModel!;
            }
        }

        if (root.TryGetProperty("usageMetadata"u8, out var usageMetadata) && usageMetadata.ValueKind == JsonValueKind.Object)
        {
            // Cumulative on every chunk: the latest value replaces the previous one.
            Usage = GeminiUsage.Read(usageMetadata);
        }

        if (root.TryGetProperty("candidates"u8, out var candidates) && candidates.ValueKind == JsonValueKind.Array && candidates.GetArrayLength() > 0)
        {
            var position = 0;
            foreach (var candidate in candidates.EnumerateArray())
            {
                OnCandidate(candidate, position++, output);
            }
        }
        else if (!_promptBlocked && _startedCount == 0
            && root.TryGetProperty("promptFeedback"u8, out var feedback) && feedback.ValueKind == JsonValueKind.Object
            && feedback.TryGetProperty("blockReason"u8, out _))
        {
            _promptBlocked = true;
            EnsureRole(output);
            Chunks.WriteFinish(output, GeminiFinishReasons.ContentFilter);
            FinishReason = GeminiFinishReasons.ContentFilter;
        }
    }

    private void OnCandidate(JsonElement candidate, int position, IBufferWriter<byte> output)
    {
        if (candidate.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var index = candidate.TryGetProperty("index"u8, out var indexElement) && indexElement.ValueKind == JsonValueKind.Number
            && indexElement.TryGetInt32(out var reported) && reported is >= 0 and <= MaxCandidateIndex
            ? reported
            : position;
        ref var state = ref StateOf(index);
        if (state.Finished)
        {
            return;
        }

        if (!state.Started)
        {
            state.Started = true;
            _startedCount++;
            if (index == 0)
            {
                EnsureRole(output);
            }
            else
            {
                Chunks.WriteRole(output, index);
            }
        }

        if (candidate.TryGetProperty("content"u8, out var content) && content.ValueKind == JsonValueKind.Object
            && content.TryGetProperty("parts"u8, out var parts) && parts.ValueKind == JsonValueKind.Array)
        {
            WriteParts(parts, index, ref state, output);
        }

        if (candidate.TryGetProperty("finishReason"u8, out var finishReason) && finishReason.ValueKind == JsonValueKind.String)
        {
            var reason = GeminiFinishReasons.Map(finishReason, state.ToolCalls > 0);
            Chunks.WriteFinish(output, reason, index);
            state.Finished = true;
            _finishedCount++;
            if (index == 0 || FinishReason is null)
            {
                FinishReason = reason;
            }
        }
    }

    private void WriteParts(JsonElement parts, int index, ref GeminiCandidateState state, IBufferWriter<byte> output)
    {
        // All answer text of one event goes out as one content delta, copied as UTF-8 without a string.
        _text.ResetWrittenCount();
        foreach (var part in parts.EnumerateArray())
        {
            if (GeminiResponseTranslator.IsAnswerText(part, out var text))
            {
                AppendUnescaped(text);
            }
        }

        if (_text.WrittenCount > 0)
        {
            Chunks.WriteContentUtf8(output, _text.WrittenSpan, index);
        }

        foreach (var part in parts.EnumerateArray())
        {
            if (!GeminiResponseTranslator.TryGetFunctionCall(part, out var name, out var args))
            {
                continue;
            }

            // Gemini sends each call whole and without an id: one chunk carries id, name and all arguments.
            var id = OpenAIIds.NewToolCallId();
            GeminiResponseTranslator.RememberSignature(part, id, _signatures);
            Chunks.WriteToolCallStart(output, state.ToolCalls++, id, name.GetString()!, GeminiResponseTranslator.ArgumentsText(args), index);
        }
    }

    private void AppendUnescaped(JsonElement text)
    {
        var reader = new Utf8JsonReader(JsonMarshal.GetRawUtf8Value(text));
        reader.Read();
        if (!reader.ValueIsEscaped)
        {
            _text.Write(reader.ValueSpan);
            return;
        }

        // Unescaping never lengthens the text, so the escaped length is enough room.
        var written = reader.CopyString(_text.GetSpan(reader.ValueSpan.Length));
        _text.Advance(written);
    }

    private ref GeminiCandidateState StateOf(int index)
    {
        if (index >= _candidates.Length)
        {
            Array.Resize(ref _candidates, Math.Max(index + 1, _candidates.Length * 2));
        }

        return ref _candidates[index];
    }
}
