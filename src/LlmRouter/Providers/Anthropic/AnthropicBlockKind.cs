namespace LlmRouter.Providers.Anthropic;

/// <summary>The Anthropic content blocks the request translator produces.</summary>
internal enum AnthropicBlockKind
{
    Text,
    ImageBase64,
    ImageUrl,
    ToolUse,
    ToolResult,
}
