namespace LlmRouter.Simulator;

/// <summary>The provider-neutral facts a simulator extracts from a request; everything the reply depends on.</summary>
internal sealed class SimulatedRequest
{
    public required string Deployment { get; init; }

    public required string Model { get; init; }

    public bool Stream { get; init; }

    /// <summary>OpenAI <c>stream_options.include_usage</c>.</summary>
    public bool IncludeUsage { get; init; }

    public int PromptTokens { get; init; }

    /// <summary>The request's output limit, if it set one.</summary>
    public int? MaxOutputTokens { get; init; }

    public TurnKind LastTurn { get; init; }

    /// <summary>Text the reply talks about: the last user message, or the tool result when the last turn is one.</summary>
    public string? Subject { get; init; }

    /// <summary>The tool to call, when the request declares tools and does not forbid calling them.</summary>
    public string? ToolName { get; init; }

    /// <summary>Arguments for <see cref="ToolName"/> as JSON object text.</summary>
    public string? ToolArguments { get; init; }
}
