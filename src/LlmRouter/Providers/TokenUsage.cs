using System.Text.Json;

namespace LlmRouter.Providers;

/// <summary>Token counts in OpenAI's terms, whatever the upstream reported them as.</summary>
internal readonly record struct TokenUsage(int PromptTokens, int CompletionTokens, int TotalTokens, int CachedTokens = 0, int ReasoningTokens = 0)
{
    /// <summary>Writes an OpenAI <c>usage</c> object as the current value of <paramref name="writer"/>.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteNumber("prompt_tokens"u8, PromptTokens);
        writer.WriteNumber("completion_tokens"u8, CompletionTokens);
        writer.WriteNumber("total_tokens"u8, TotalTokens);
        writer.WritePropertyName("prompt_tokens_details"u8);
        writer.WriteStartObject();
        writer.WriteNumber("cached_tokens"u8, CachedTokens);
        writer.WriteEndObject();
        writer.WritePropertyName("completion_tokens_details"u8);
        writer.WriteStartObject();
        writer.WriteNumber("reasoning_tokens"u8, ReasoningTokens);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
