using System.Text.Json;

namespace LlmRouter.Providers.Gemini;

/// <summary>Reads Gemini <c>usageMetadata</c> into OpenAI token counts.</summary>
internal static class GeminiUsage
{
    /// <summary>
    /// Gemini's <c>candidatesTokenCount</c> excludes thinking, while OpenAI's <c>completion_tokens</c> includes
    /// reasoning, so thoughts are added back; tool-use prompt tokens are prompt tokens the model read.
    /// </summary>
    public static TokenUsage Read(JsonElement usageMetadata)
    {
        var prompt = Count(usageMetadata, "promptTokenCount"u8) + Count(usageMetadata, "toolUsePromptTokenCount"u8);
        var thoughts = Count(usageMetadata, "thoughtsTokenCount"u8);
        var completion = Count(usageMetadata, "candidatesTokenCount"u8) + thoughts;
        var total = usageMetadata.TryGetProperty("totalTokenCount"u8, out _) ? Count(usageMetadata, "totalTokenCount"u8) : prompt + completion;
        return new TokenUsage(prompt, completion, total, Count(usageMetadata, "cachedContentTokenCount"u8), thoughts);
    }

    private static int Count(JsonElement usageMetadata, ReadOnlySpan<byte> name)
        => usageMetadata.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var count)
            ? count
            : 0;
}
