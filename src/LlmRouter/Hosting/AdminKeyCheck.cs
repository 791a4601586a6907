using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Hosting;

/// <summary>Reads the admin key a request presents and compares it with the configured one in constant time.</summary>
internal static class AdminKeyCheck
{
    public const string KeyHeader = "x-llmrouter-admin-key";

    private const string BearerPrefix = "Bearer ";

    /// <summary>The key from <c>Authorization: Bearer</c>, else from <c>x-llmrouter-admin-key</c>; null when neither is sent.</summary>
    public static string? PresentedKey(IHeaderDictionary headers) => BearerToken(headers) ?? HeaderValue(headers, KeyHeader);

    /// <summary>The token of <c>Authorization: Bearer</c>; null when absent or empty.</summary>
    public static string? BearerToken(IHeaderDictionary headers)
    {
        var authorization = headers.Authorization.ToString();
        if (authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var token = authorization[BearerPrefix.Length..].Trim();
            if (token.Length > 0)
            {
                return token;
            }
        }

        return null;
    }

    /// <summary>A header's trimmed value; null when absent or empty.</summary>
    public static string? HeaderValue(IHeaderDictionary headers, string name)
    {
        var value = headers[name].ToString().Trim();
        return value.Length > 0 ? value : null;
    }

    /// <summary>
    /// True when the keys are equal. Both are hashed first so the comparison takes the same time whatever the
    /// lengths and contents, and leaks neither through timing.
    /// </summary>
    public static bool Matches(string? presented, string expected)
    {
        if (presented is null)
        {
            return false;
        }

        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> expectedHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), presentedHash);
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), expectedHash);
        return CryptographicOperations.FixedTimeEquals(presentedHash, expectedHash);
    }
}
