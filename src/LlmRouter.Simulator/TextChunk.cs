namespace LlmRouter.Simulator;

/// <summary>One streamed slice of reply text; <see cref="WordsSent"/> counts words up to and including this chunk.</summary>
internal readonly record struct TextChunk(ReadOnlyMemory<char> Text, int WordsSent, bool IsFirst, bool IsLast);
