using System.Text.Json;

namespace LlmRouter.Providers.Gemini;

/// <summary>Maps Gemini <c>finishReason</c> and <c>promptFeedback.blockReason</c> values to OpenAI's closed set.</summary>
internal static class GeminiFinishReasons
{
    public const string Stop = "stop";
    public const string Length = "length";
    public const string ToolCalls = "tool_calls";
    public const string ContentFilter = "content_filter";

    /// <summary>
    /// A candidate that called a function finishes with <c>tool_calls</c> although Gemini says STOP. RECITATION and
    /// OTHER count as filtering (the answer was withheld), as litellm does; the malformed/unexpected tool-call
    /// reasons have no OpenAI equivalent and become <c>stop</c>, as does anything unknown.
    /// </summary>
    public static string Map(JsonElement finishReason, bool sawFunctionCall)
    {
        if (sawFunctionCall)
        {
            return ToolCalls;
        }

        if (finishReason.ValueKind != JsonValueKind.String)
        {
            return Stop;
        }

        if (finishReason.ValueEquals("MAX_TOKENS"u8))
        {
            return Length;
        }

        if (finishReason.ValueEquals("SAFETY"u8)
            || finishReason.ValueEquals("RECITATION"u8)
            || finishReason.ValueEquals("OTHER"u8)
            || finishReason.ValueEquals("BLOCKLIST"u8)
            || finishReason.ValueEquals("PROHIBITED_CONTENT"u8)
            || finishReason.ValueEquals("SPII"u8)
            || finishReason.ValueEquals("LANGUAGE"u8)
            || finishReason.ValueEquals("IMAGE_SAFETY"u8)
            || finishReason.ValueEquals("IMAGE_PROHIBITED_CONTENT"u8)
            || finishReason.ValueEquals("IMAGE_RECITATION"u8)
            || finishReason.ValueEquals("IMAGE_OTHER"u8))
        {
            return ContentFilter;
        }

        return Stop;
    }
}
