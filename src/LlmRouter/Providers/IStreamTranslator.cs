using System.Buffers;

namespace LlmRouter.Providers;

/// <summary>
/// Translates one upstream stream into OpenAI chat-completion chunks, event by event, as bytes arrive.
/// Not thread-safe: one instance per response.
/// </summary>
internal interface IStreamTranslator : IDisposable
{
    /// <summary>Consumes upstream bytes (split anywhere) and appends whole OpenAI SSE events to <paramref name="output"/>.</summary>
    void Translate(ReadOnlySpan<byte> upstream, IBufferWriter<byte> output);

    /// <summary>
    /// The upstream body ended. Writes what remains: usage chunk if asked, then <c>data: [DONE]</c>; or, when the
    /// upstream ended without finishing (no finish reason / no [DONE]), an error event (and no <c>[DONE]</c>).
    /// </summary>
    void Complete(IBufferWriter<byte> output);

    /// <summary>The upstream failed after the stream began (reset, idle timeout): writes an error event, never <c>data: [DONE]</c>.</summary>
    void Fail(IBufferWriter<byte> output, string message, string type, string? code);

    /// <summary>Latest usage reported by the upstream (cumulative counts are never summed).</summary>
    TokenUsage? Usage { get; }

    /// <summary>The finish reason sent to the client, once known.</summary>
    string? FinishReason { get; }

    /// <summary>The model the upstream reported, once known.</summary>
    string? ResponseModel { get; }

    /// <summary>
    /// A content-bearing event (text, tool call, refusal, finish) has been translated: the attempt has produced its
    /// first token. Role chunks, <c>message_start</c>, pings, empty deltas and keep-alives do not count.
    /// </summary>
    bool HasContent { get; }

    /// <summary>Bytes of an upstream event received but not yet complete; the caller bounds it.</summary>
    int PendingBytes { get; }

    /// <summary>Set when the stream ended in an error event (upstream error event, truncation or <see cref="Fail"/>).</summary>
    UpstreamError? Error { get; }
}
