namespace LlmRouter.Providers.Sse;

/// <summary>One server-sent event. The spans are valid until the reader is called again.</summary>
internal readonly ref struct SseEvent
{
    public SseEvent(ReadOnlySpan<byte> name, ReadOnlySpan<byte> data, ReadOnlySpan<byte> unparsed)
    {
        Name = name;
        Data = data;
        Unparsed = unparsed;
    }

    /// <summary>The <c>event:</c> field; empty when absent.</summary>
    public ReadOnlySpan<byte> Name { get; }

    /// <summary>The <c>data:</c> lines joined with <c>\n</c>; empty when absent.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>Lines that were not SSE fields (Gemini sends raw JSON error lines on streams), joined with <c>\n</c>.</summary>
    public ReadOnlySpan<byte> Unparsed { get; }
}
