using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Limits;

/// <summary>OpenAI's <c>x-ratelimit-*</c> headers for the tightest key or team limit of a request.</summary>
internal static class RateLimitHeaders
{
    /// <summary>Sets the request and token trios from the scope with the fewest remaining of each.</summary>
    public static void Set(IHeaderDictionary headers, Reservation reservation)
    {
        int requests = -1, tokens = -1;
        for (var i = 0; i < reservation.States.Count; i++)
        {
            var state = reservation.States[i];
            if (reservation.Scopes[i].Limits.RequestsPerMinute is not null
                && (requests < 0 || state.RequestsRemaining < reservation.States[requests].RequestsRemaining))
            {
                requests = i;
            }

            if (reservation.Scopes[i].Limits.TokensPerMinute is not null
                && (tokens < 0 || state.TokensRemaining < reservation.States[tokens].TokensRemaining))
            {
                tokens = i;
            }
        }

        if (requests >= 0)
        {
            var state = reservation.States[requests];
            SetTrio(headers, "requests", reservation.Scopes[requests].Limits.RequestsPerMinute!.Value, state.RequestsRemaining, state.RequestsReset);
        }

        if (tokens >= 0)
        {
            var state = reservation.States[tokens];
            SetTrio(headers, "tokens", reservation.Scopes[tokens].Limits.TokensPerMinute!.Value, state.TokensRemaining, state.TokensReset);
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
