using System.Text.Json;

namespace LlmRouter.Providers.Anthropic;

/// <summary>
/// One Anthropic content block, collected before writing so that turns can be merged and reordered.
/// Strings point into the client's request; base64 image data is a slice of the data URL, never copied.
/// </summary>
internal readonly record struct AnthropicBlock
{
    public AnthropicBlockKind Kind { get; init; }

    /// <summary>Text, image URL (whole data URL for base64 images), or tool name.</summary>
    public string Text { get; init; }

    /// <summary>Tool-use id or the answered tool-use id.</summary>
    public string? Id { get; init; }

    public string? MediaType { get; init; }

    /// <summary>Where the base64 payload starts inside <see cref="Text"/>.</summary>
    public int DataOffset { get; init; }

    /// <summary>Validated tool-call arguments (a JSON object) as UTF-8.</summary>
    public ReadOnlyMemory<byte> Input { get; init; }

    /// <summary>The tool message's <c>content</c> (string or text parts) for tool results.</summary>
    public JsonElement Content { get; init; }

    public static AnthropicBlock FromText(string text) => new() { Kind = AnthropicBlockKind.Text, Text = text };
}
