using System.Runtime.CompilerServices;
using LlmRouter.Configuration;

namespace LlmRouter.Routing.Policies;

/// <summary>One entry of a route's <c>HashKeySources</c>: <c>header:NAME</c>, <c>user</c> or <c>prompt-prefix</c>.</summary>
internal readonly record struct HashKeySource(HashKeySourceKind Kind, string? HeaderName)
{
    /// <summary>Header, then <c>user</c>, then the prompt prefix.</summary>
    public static readonly HashKeySource[] Defaults =
    [
        new(HashKeySourceKind.Header, RoutingRequestHeaders.HashKey),
        new(HashKeySourceKind.User, null),
        new(HashKeySourceKind.PromptPrefix, null),
    ];

    private static readonly ConditionalWeakTable<RouteOptions, HashKeySource[]> ByRoute = new();

    public string Label => Kind switch
    {
        HashKeySourceKind.Header => "header:" + HeaderName,
        HashKeySourceKind.User => "user",
        _ => "prompt-prefix",
    };

    /// <summary>The route's sources, parsed once per options instance; unknown entries are ignored (validation reports them).</summary>
    public static HashKeySource[] ForRoute(RouteOptions? options)
        => options is null || options.HashKeySources.Count == 0
            ? Defaults
            : ByRoute.GetValue(options, static o => Parse(o.HashKeySources));

    internal static HashKeySource[] Parse(IEnumerable<string> entries)
    {
        var sources = new List<HashKeySource>();
        foreach (var raw in entries)
        {
            var entry = raw.Trim();
            if (entry.StartsWith("header:", StringComparison.OrdinalIgnoreCase) && entry.Length > "header:".Length)
            {
                sources.Add(new HashKeySource(HashKeySourceKind.Header, entry["header:".Length..].Trim()));
            }
            else if (string.Equals(entry, "user", StringComparison.OrdinalIgnoreCase))
            {
                sources.Add(new HashKeySource(HashKeySourceKind.User, null));
            }
            else if (string.Equals(entry, "prompt-prefix", StringComparison.OrdinalIgnoreCase))
            {
                sources.Add(new HashKeySource(HashKeySourceKind.PromptPrefix, null));
            }
        }

        return sources.Count == 0 ? Defaults : [.. sources];
    }
}
