using System.Text.Json;

namespace LlmRouter.Providers.Anthropic;

/// <summary>
/// Anthropic token counts. <c>input_tokens</c> excludes cached tokens, so the OpenAI prompt count adds cache reads
/// and cache writes back. Counts are cumulative: a later report replaces the fields it carries.
/// </summary>
internal struct AnthropicUsage
{
    public int InputTokens;
    public int OutputTokens;
    public int CacheReadTokens;
    public int CacheCreationTokens;

    /// <summary>Overwrites the counts present in an Anthropic <c>usage</c> object; absent ones keep their value.</summary>
    public void Update(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        Read(usage, "input_tokens"u8, ref InputTokens);
        Read(usage, "output_tokens"u8, ref OutputTokens);
        Read(usage, "cache_read_input_tokens"u8, ref CacheReadTokens);
        Read(usage, "cache_creation_input_tokens"u8, ref CacheCreationTokens);
    }

    public readonly TokenUsage ToTokenUsage()
    {
        var prompt = InputTokens + CacheReadTokens + CacheCreationTokens;
        return new TokenUsage(prompt, OutputTokens, prompt + OutputTokens, CacheReadTokens);
    }

    private static void Read(JsonElement usage, ReadOnlySpan<byte> name, ref int target)
    {
        if (usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var count))
        {
            target = count;
        }
    }
}
