namespace LlmRouter.Simulator;

/// <summary>What the last message of the conversation is.</summary>
internal enum TurnKind
{
    User,
    ToolResult,
    Other,
}
