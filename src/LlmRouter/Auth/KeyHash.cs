using System.Security.Cryptography;
using System.Text;

namespace LlmRouter.Auth;

/// <summary>The one form in which gateway keys are stored and compared: <c>sha256:</c> + lowercase hex of the UTF-8 bytes.</summary>
internal static class KeyHash
{
    public const string Prefix = "sha256:";

    /// <summary>Prefix of keys the gateway generates, so leaked keys are recognisable by secret scanners.</summary>
    public const string KeyPrefix = "llmr-";

    public static string Of(string key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return Prefix + Convert.ToHexStringLower(hash);
    }

    /// <summary>A new key from the operating system's CSPRNG: 32 random bytes, base64url, with the <c>llmr-</c> prefix.</summary>
    public static string NewKey()
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        return KeyPrefix + Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
