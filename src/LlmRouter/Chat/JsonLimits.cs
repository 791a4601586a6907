using System.Text.Json;

namespace LlmRouter.Chat;

/// <summary>
/// The one nesting limit for every JSON reader and document over client bytes (the parser, the OpenAI body
/// rewriter, nested tool arguments). One value everywhere, so a body the parser accepts never fails a later reader.
/// </summary>
internal static class JsonLimits
{
    /// <summary>Deepest nesting of objects and arrays accepted in a client body (System.Text.Json's own default).</summary>
    public const int MaxDepth = 64;

    public static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };
}
