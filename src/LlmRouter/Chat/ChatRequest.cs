using System.Text.Json;

namespace LlmRouter.Chat;

/// <summary>
/// A client's chat-completions request, parsed once from the UTF-8 body. Adapters read the typed fields
/// for what they translate and <see cref="Root"/> for everything else; nothing re-parses the body.
/// </summary>
internal sealed class ChatRequest : IDisposable
{
    private readonly JsonDocument _document;

    public ChatRequest(JsonDocument document, ReadOnlyMemory<byte> body)
    {
        _document = document;
        Body = body;
    }

    /// <summary>The original request body, kept for pass-through and for resending on retries.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    public JsonElement Root => _document.RootElement;

    public required string Model { get; init; }

    /// <summary>The <c>messages</c> array; validated to hold objects with a known role.</summary>
    public required JsonElement Messages { get; init; }

    public bool Stream { get; init; }

    /// <summary><c>stream_options.include_usage</c>: the client wants the usage chunk.</summary>
    public bool IncludeUsage { get; init; }

    /// <summary><c>max_completion_tokens</c> if present, else <c>max_tokens</c>.</summary>
    public int? MaxTokens { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    /// <summary>Number of choices; 1 when absent.</summary>
    public int N { get; init; } = 1;

    /// <summary><c>stop</c> normalised to a list.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>The <c>tools</c> array, if any.</summary>
    public JsonElement? Tools { get; init; }

    /// <summary>The <c>tool_choice</c> value (string or object), if any.</summary>
    public JsonElement? ToolChoice { get; init; }

    public bool? ParallelToolCalls { get; init; }

    /// <summary>The <c>response_format</c> object, if any.</summary>
    public JsonElement? ResponseFormat { get; init; }

    public string? User { get; init; }

    public long? Seed { get; init; }

    /// <summary>The <c>metadata</c> object, if any (the contextual policy reads <c>metadata.category</c>).</summary>
    public JsonElement? Metadata { get; init; }

    public void Dispose() => _document.Dispose();
}
