using System.Security.Cryptography;

namespace LlmRouter.Protocols.OpenAI;

/// <summary>Synthesised OpenAI-style ids for responses and tool calls whose upstream has none.</summary>
internal static class OpenAIIds
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A completion id: <c>chatcmpl-</c> followed by 24 random characters.</summary>
    public static string NewCompletionId() => "chatcmpl-" + RandomNumberGenerator.GetString(Alphabet, 24);

    /// <summary>A tool call id: <c>call_</c> followed by 24 random characters.</summary>
    public static string NewToolCallId() => "call_" + RandomNumberGenerator.GetString(Alphabet, 24);

    /// <summary>Seconds since the Unix epoch, for <c>created</c>.</summary>
    public static long Now(TimeProvider time) => time.GetUtcNow().ToUnixTimeSeconds();
}
