namespace LlmRouter.Simulator;

/// <summary>What every chunk of one OpenAI stream repeats: the same id, created time and model.</summary>
internal readonly record struct OpenAIChunkHeader(string Id, long Created, string Model, bool IncludeUsage);
