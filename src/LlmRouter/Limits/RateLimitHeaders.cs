using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Limits;

/// <summary>OpenAI's <c>x-ratelimit-*</c> headers for the tightest key or team limit of a request.</summary>
internal static class RateLimitHeaders
{
    /// <summary>Sets the request and token trios from the scope with the fewest remaining of each.</summary>
    public static void Set(IHeaderDictionary headers, Reservation reservation) => Set(headers, reservation.Scopes, reservation.States);

    /// <param name="headers">The response headers.</param>
    /// <param name="scopes">The request's key and team scopes.</param>
    /// <param name="states">What is left of each scope, in the same order.</param>
    public static void Set(IHeaderDictionary headers, IReadOnlyList<LimitScope> scopes, IReadOnlyList<ScopeState> states)
    {
        int requests = -1, tokens = -1;
        for (var i = 0; i < states.Count; i++)
        {
            var state = states[i];
            if (scopes[i].Limits.RequestsPerMinute is not null && (requests < 0 || state.RequestsRemaining < states[requests].RequestsRemaining))
            {
                requests = i;
            }

            if (scopes[i].Limits.TokensPerMinute is not null && (tokens < 0 || state.TokensRemaining < states[tokens].TokensRemaining))
            {
                tokens = i;
            }
        }

        if (requests >= 0)
        {
            SetTrio(headers, "requests", scopes[requests].Limits.RequestsPerMinute!.Value, states[requests].RequestsRemaining, states[requests].RequestsReset);
        }

        if (tokens >= 0)
        {
            SetTrio(headers, "tokens", scopes[tokens].Limits.TokensPerMinute!.Value, states[tokens].TokensRemaining, states[tokens].TokensReset);
        }
    }

    /// <summary>The trio of the limit that refused a request: nothing remaining until the reset.</summary>
    public static void SetExhausted(IHeaderDictionary headers, LimitScope scope, LimitKind kind, TimeSpan reset)
    {
        if (kind == LimitKind.Requests && scope.Limits.RequestsPerMinute is { } rpm)
        {
            SetTrio(headers, "requests", rpm, 0, reset);
        }
        else if (kind == LimitKind.Tokens && scope.Limits.TokensPerMinute is { } tpm)
        {
            SetTrio(headers, "tokens", tpm, 0, reset);
        }
    }

    /// <summary>Whole seconds, rounded up, as OpenAI's <c>Ns</c> durations.</summary>
    public static string Duration(TimeSpan span) => Seconds(span).ToString(CultureInfo.InvariantCulture) + "s";

    /// <summary>A <c>Retry-After</c> value: whole seconds, at least 1.</summary>
    public static string RetryAfter(TimeSpan span) => Math.Max(1, Seconds(span)).ToString(CultureInfo.InvariantCulture);

    private static long Seconds(TimeSpan span) => (long)Math.Ceiling(Math.Max(0, span.TotalSeconds));

    private static void SetTrio(IHeaderDictionary headers, string kind, long limit, long remaining, TimeSpan reset)
    {
        headers["x-ratelimit-limit-" + kind] = limit.ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-remaining-" + kind] = Math.Max(0, remaining).ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-reset-" + kind] = Duration(reset);
    }
}
