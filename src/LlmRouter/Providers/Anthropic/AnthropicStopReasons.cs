using System.Runtime.InteropServices;
using System.Text.Json;

namespace LlmRouter.Providers.Anthropic;

/// <summary>Maps Anthropic <c>stop_reason</c> values onto OpenAI's closed set of finish reasons.</summary>
internal static class AnthropicStopReasons
{
    /// <summary>Maps a <c>stop_reason</c> string element, read without decoding (stop reasons are plain ASCII names).</summary>
    public static string ToFinishReason(JsonElement stopReason)
    {
        var raw = JsonMarshal.GetRawUtf8Value(stopReason);
        return ToFinishReason(raw.Length >= 2 ? raw[1..^1] : raw);
    }

    public static string ToFinishReason(ReadOnlySpan<byte> stopReason)
    {
        if (stopReason.SequenceEqual("max_tokens"u8) || stopReason.SequenceEqual("model_context_window_exceeded"u8))
        {
            return "length";
        }

        if (stopReason.SequenceEqual("tool_use"u8))
        {
            return "tool_calls";
        }

        if (stopReason.SequenceEqual("refusal"u8))
        {
            return "content_filter";
        }

        // end_turn, stop_sequence, pause_turn and anything new: OpenAI clients only know the closed set.
        return "stop";
    }
}
