namespace LlmRouter.Providers.Anthropic;

/// <summary>One Anthropic message under construction: a role and its blocks, after same-role merging.</summary>
internal sealed class AnthropicTurn
{
    private int _leadingToolResults;

    public AnthropicTurn(string role)
    {
        Role = role;
    }

    public string Role { get; }

    public List<AnthropicBlock> Blocks { get; } = [];

    /// <summary>
    /// Adds a block. Tool results go after earlier tool results but before any other block, because
    /// Anthropic wants a user turn's tool_result blocks first.
    /// </summary>
    public void Add(in AnthropicBlock block)
    {
        if (block.Kind == AnthropicBlockKind.ToolResult)
        {
            Blocks.Insert(_leadingToolResults++, block);
        }
        else
        {
            Blocks.Add(block);
        }
    }
}
