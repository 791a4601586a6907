namespace LlmRouter.Providers.Anthropic;

/// <summary>The OpenAI message list rewritten into Anthropic's shape: hoisted system text and alternating turns.</summary>
internal sealed class AnthropicConversation
{
    public List<string> System { get; } = [];

    public List<AnthropicTurn> Turns { get; } = [];

    /// <summary>Names of tools called in the history, in first-use order.</summary>
    public List<string> ToolNamesUsed { get; } = [];

    public bool HasToolBlocks { get; set; }
}
