namespace LlmRouter.Providers.OpenAI;

/// <summary>Replaces <see cref="Length"/> bytes at <see cref="Start"/> (zero for an insertion) with <see cref="Replacement"/>.</summary>
internal readonly record struct Utf8Edit(int Start, int Length, ReadOnlyMemory<byte> Replacement);
