using System.Buffers;
using LlmRouter.Protocols.OpenAI;

namespace LlmRouter.Providers;

/// <summary>
/// Base for stream translators that turn an SSE upstream into OpenAI chunks: owns the client-facing
/// <see cref="ChatChunkWriter"/> and the OpenAI endings every provider shares (usage chunk, <c>[DONE]</c>, an OpenAI
/// error event instead of a silent truncation).
/// </summary>
internal abstract class SseStreamTranslator : SseEventTranslator
{
    protected SseStreamTranslator(ChatChunkWriter chunks)
    {
        Chunks = chunks;
    }

    protected ChatChunkWriter Chunks { get; }

    public override bool HasContent => Chunks.ContentWritten;

    /// <summary>True once the role chunk was written (it is written exactly once).</summary>
    protected bool RoleSent { get; private set; }

    public override void Dispose()
    {
        Chunks.Dispose();
        base.Dispose();
    }

    /// <summary>Writes the role chunk if it has not been written yet.</summary>
    protected void EnsureRole(IBufferWriter<byte> output)
    {
        if (!RoleSent)
        {
            Chunks.WriteRole(output);
            RoleSent = true;
        }
    }

    /// <summary>The usage chunk when the client asked for it, then <c>[DONE]</c>.</summary>
    protected override void WriteClosing(IBufferWriter<byte> output)
    {
        if (Chunks.IncludeUsage && Usage is { } usage)
        {
            Chunks.WriteUsage(output, usage);
        }

        ChatChunkWriter.WriteDone(output);
    }

    /// <summary>An OpenAI error event; <c>[DONE]</c> would mean success to SDKs that skip error payloads (the OpenAI .NET SDK does).</summary>
    protected override void WriteErrorEvent(IBufferWriter<byte> output, UpstreamError error)
        => ChatChunkWriter.WriteError(output, error.Message, error.Type, error.Code);
}
