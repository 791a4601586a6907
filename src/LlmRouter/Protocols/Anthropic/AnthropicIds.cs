using System.Security.Cryptography;

namespace LlmRouter.Protocols.Anthropic;

/// <summary>Synthesised Anthropic-style ids for messages translated from other providers.</summary>
internal static class AnthropicIds
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A message id: <c>msg_</c> followed by 24 random characters.</summary>
    public static string NewMessageId() => "msg_" + RandomNumberGenerator.GetString(Alphabet, 24);
}
