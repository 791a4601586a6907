namespace LlmRouter.Providers.Gemini;

/// <summary>What a stream has emitted so far for one candidate (one OpenAI choice).</summary>
internal struct GeminiCandidateState
{
    public bool Started;
    public bool Finished;

    /// <summary>Tool calls emitted for this choice: the next call's OpenAI <c>index</c>.</summary>
    public int ToolCalls;
}
