namespace LlmRouter.Limits;

/// <summary>What is left of one scope's request and token limits right after admission (for <c>x-ratelimit-*</c>).</summary>
internal readonly record struct ScopeState(long RequestsRemaining, TimeSpan RequestsReset, long TokensRemaining, TimeSpan TokensReset);
