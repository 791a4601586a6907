using System.Buffers;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Providers.Sse;

namespace LlmRouter.Providers;

/// <summary>
/// Base for stream translators whose upstream speaks SSE: splits events with <see cref="SseEventReader"/>,
/// owns the client-facing <see cref="ChatChunkWriter"/>, and implements the endings every provider shares
/// (usage chunk, <c>[DONE]</c>, error event instead of a silent truncation).
/// </summary>
internal abstract class SseStreamTranslator : IStreamTranslator
{
    private readonly SseEventReader _reader = new();
    private bool _ended;

    protected SseStreamTranslator(ChatChunkWriter chunks)
    {
        Chunks = chunks;
    }

    protected ChatChunkWriter Chunks { get; }

    public TokenUsage? Usage { get; protected set; }

    public string? FinishReason { get; protected set; }

    public string? ResponseModel { get; protected set; }

    public UpstreamError? Error { get; private set; }

    public bool HasContent => Chunks.ContentWritten;

    public int PendingBytes => _reader.Pending;

    /// <summary>True once the role chunk was written (it is written exactly once).</summary>
    protected bool RoleSent { get; private set; }

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

        if (_ended)
        {
            return;
        }

        if (!IsFinished)
        {
            Fail(output, "The upstream stream ended before the response was complete.", "server_error", "stream_truncated");
            return;
        }

        WriteEnding(output);
    }

    public void Fail(IBufferWriter<byte> output, string message, string type, string? code)
        => EndWithError(output, new UpstreamError(502, message, type, code));

    public virtual void Dispose()
    {
        _reader.Dispose();
        Chunks.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Whether the upstream signalled a proper end (finish reason seen); if not, EOF means truncation.</summary>
    protected abstract bool IsFinished { get; }

    /// <summary>Handles one upstream event. Implementations ignore unknown events.</summary>
    protected abstract void OnEvent(in SseEvent sseEvent, IBufferWriter<byte> output);

    /// <summary>Writes the role chunk if it has not been written yet.</summary>
    protected void EnsureRole(IBufferWriter<byte> output)
    {
        if (!RoleSent)
        {
            Chunks.WriteRole(output);
            RoleSent = true;
        }
    }

    /// <summary>Ends the stream normally: usage chunk when the client asked for it, then <c>[DONE]</c>.</summary>
    protected void WriteEnding(IBufferWriter<byte> output)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        if (Chunks.IncludeUsage && Usage is { } usage)
        {
            Chunks.WriteUsage(output, usage);
        }

        ChatChunkWriter.WriteDone(output);
    }

    /// <summary>
    /// Ends the stream with an OpenAI error event and no <c>[DONE]</c>; later input is ignored. <c>[DONE]</c> means
    /// success to SDKs that skip error payloads (the OpenAI .NET SDK does), so a failed stream never carries it;
    /// the transport then drops the connection, which every SDK reports as a failure.
    /// </summary>
    protected void EndWithError(IBufferWriter<byte> output, UpstreamError error)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        Error = error;
        ChatChunkWriter.WriteError(output, error.Message, error.Type, error.Code);
    }
}
