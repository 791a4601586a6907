using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using LlmRouter.Chat;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Routing.Policies;

/// <summary>
/// Computes a request's 64-bit affinity key from the first source that yields one, without allocating: strings are
/// hashed as UTF-16 bytes, prompt parts as their raw UTF-8 JSON, with xxHash3 (stable across processes and machines).
/// </summary>
internal static class HashKeyReader
{
    public static bool TryGetKey(HttpContext context, ChatRoutingFeature? feature, out ulong key, out int sourceIndex)
    {
        var sources = HashKeySource.ForRoute(feature?.Route.Options);
        for (var i = 0; i < sources.Length; i++)
        {
            if (TryRead(context, feature?.Request, sources[i], out key))
            {
                sourceIndex = i;
                return true;
            }
        }

        key = 0;
        sourceIndex = -1;
        return false;
    }

    public static bool TryRead(HttpContext context, ChatRequest? request, in HashKeySource source, out ulong key)
    {
        switch (source.Kind)
        {
            case HashKeySourceKind.Header:
                if (context.Request.Headers.TryGetValue(source.HeaderName!, out var values) && values.Count > 0 && !string.IsNullOrEmpty(values[0]))
                {
                    key = HashString(values[0]!);
                    return true;
                }

                break;
            case HashKeySourceKind.User:
                if (!string.IsNullOrEmpty(request?.User))
                {
                    key = HashString(request.User);
                    return true;
                }

                break;
            case HashKeySourceKind.PromptPrefix:
                if (request is not null && TryHashPromptPrefix(request.Messages, out key))
                {
                    return true;
                }

                break;
        }

        key = 0;
        return false;
    }

    public static ulong HashString(string value) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(value.AsSpan()));

    /// <summary>Hash of the first system/developer message's content chained with the first user message's content.</summary>
    internal static bool TryHashPromptPrefix(JsonElement messages, out ulong key)
    {
        key = 0;
        if (messages.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        ulong systemHash = 0;
        var haveSystem = false;
        foreach (var message in messages.EnumerateArray())
        {
            if (!message.TryGetProperty("role", out var role) || !message.TryGetProperty("content", out var content))
            {
                continue;
            }

            if (!haveSystem && (role.ValueEquals("system"u8) || role.ValueEquals("developer"u8)))
            {
                systemHash = XxHash3.HashToUInt64(JsonMarshal.GetRawUtf8Value(content));
                haveSystem = true;
            }
            else if (role.ValueEquals("user"u8))
            {
                key = XxHash3.HashToUInt64(JsonMarshal.GetRawUtf8Value(content), unchecked((long)systemHash));
                return true;
            }
        }

        return false;
    }
}
