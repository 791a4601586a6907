using System.Buffers;
using LlmRouter.Providers.Sse;

namespace LlmRouter.Providers;

/// <summary>
/// Base for stream translators over an SSE upstream: splits events with <see cref="SseEventReader"/>, hands each to
/// <see cref="OnEvent"/>, and owns how a stream ends — normally once the upstream said it finished, or with one error
/// event (a truncation at EOF included) after which input is ignored. Subclasses say what their output looks like.
/// </summary>
internal abstract class SseEventTranslator : IStreamTranslator
{
    private readonly SseEventReader _reader = new();
    private bool _ended;

    public TokenUsage? Usage { get; protected set; }

    public string? FinishReason { get; protected set; }

    public string? ResponseModel { get; protected set; }

    public UpstreamError? Error { get; private set; }

    public abstract bool HasContent { get; }

    public int PendingBytes => _reader.Pending;

    /// <summary>Whether the upstream signalled a proper end; if not, EOF means truncation.</summary>
    protected abstract bool IsFinished { get; }

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
        GC.SuppressFinalize(this);
    }

    /// <summary>Handles one upstream event. Implementations ignore unknown events.</summary>
    protected abstract void OnEvent(in SseEvent sseEvent, IBufferWriter<byte> output);

    /// <summary>Writes what closes a successful stream (called once, after <see cref="TryEnd"/>).</summary>
    protected abstract void WriteClosing(IBufferWriter<byte> output);

    /// <summary>Writes the client's error event for a failed stream.</summary>
    protected abstract void WriteErrorEvent(IBufferWriter<byte> output, UpstreamError error);

    /// <summary>Ends the stream normally; later input is ignored.</summary>
    protected void WriteEnding(IBufferWriter<byte> output)
    {
        if (TryEnd())
        {
            WriteClosing(output);
        }
    }

    /// <summary>
    /// Ends the stream with the client's error event and nothing after it; later input is ignored. A failed stream
    /// never carries a success marker (<c>[DONE]</c>, <c>message_stop</c>): the transport then drops the connection,
    /// which every SDK reports as a failure.
    /// </summary>
    protected void EndWithError(IBufferWriter<byte> output, UpstreamError error)
    {
        if (TryEnd())
        {
            Error = error;
            WriteErrorEvent(output, error);
        }
    }

    /// <summary>Ends the stream as failed when the client already has the error event (copied from the upstream).</summary>
    protected void EndWithCopiedError(UpstreamError error)
    {
        if (TryEnd())
        {
            Error = error;
        }
    }

    private bool TryEnd()
    {
        if (_ended)
        {
            return false;
        }

        _ended = true;
        return true;
    }
}
