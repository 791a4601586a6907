namespace LlmRouter.Simulator;

/// <summary>Why a simulated reply ended; each simulator maps it to its own stop/finish reason.</summary>
internal enum FinishKind
{
    Stop,
    Length,
    ToolCall,
}
