using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Providers.Anthropic;

/// <summary>
/// Anthropic's rate-limit headers in OpenAI's names and units (reset timestamps become <c>Ns</c> durations), and the
/// wait an error asks for.
/// </summary>
internal static class AnthropicRateLimitHeaders
{
    // The families whose exhaustion (remaining = 0) tells us when a retry can succeed.
    private static readonly string[] ResetFamilies = ["requests", "tokens", "input-tokens", "output-tokens"];

    public static void Translate(HttpResponseHeaders upstream, IHeaderDictionary client, DateTimeOffset now)
    {
        CopyFamily(upstream, client, "requests", now);
        CopyFamily(upstream, client, "tokens", now);
        Copy(upstream, client, "request-id", "x-request-id");
        Copy(upstream, client, "retry-after", "retry-after");
        Copy(upstream, client, "retry-after-ms", "retry-after-ms");
    }

    /// <summary>
    /// The wait the upstream asked for: <c>retry-after-ms</c>, else <c>retry-after</c> (seconds or HTTP date), else the
    /// latest reset of an exhausted rate-limit bucket.
    /// </summary>
    public static TimeSpan? GetRetryAfter(HttpResponseHeaders headers, DateTimeOffset now)
    {
        if (Get(headers, "retry-after-ms") is { } milliseconds
            && double.TryParse(milliseconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        if (Get(headers, "retry-after") is { } retryAfter)
        {
            if (double.TryParse(retryAfter, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (DateTimeOffset.TryParse(retryAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                return Max(date - now, TimeSpan.Zero);
            }
        }

        TimeSpan? latest = null;
        foreach (var family in ResetFamilies)
        {
            if (Get(headers, $"anthropic-ratelimit-{family}-remaining") is "0"
                && TryParseReset(Get(headers, $"anthropic-ratelimit-{family}-reset"), out var reset))
            {
                var wait = Max(reset - now, TimeSpan.Zero);
                latest = latest is { } previous ? Max(previous, wait) : wait;
            }
        }

        return latest;
    }

    /// <summary>An RFC 3339 reset time as OpenAI's duration text: whole seconds from now, rounded up, never negative.</summary>
    public static string? ToDuration(string? reset, DateTimeOffset now)
    {
        if (!TryParseReset(reset, out var time))
        {
            return null;
        }

        var seconds = Math.Max(0, (long)Math.Ceiling((time - now).TotalSeconds));
        return seconds.ToString(CultureInfo.InvariantCulture) + "s";
    }

    private static void CopyFamily(HttpResponseHeaders upstream, IHeaderDictionary client, string family, DateTimeOffset now)
    {
        Copy(upstream, client, $"anthropic-ratelimit-{family}-limit", $"x-ratelimit-limit-{family}");
        Copy(upstream, client, $"anthropic-ratelimit-{family}-remaining", $"x-ratelimit-remaining-{family}");
        if (ToDuration(Get(upstream, $"anthropic-ratelimit-{family}-reset"), now) is { } duration)
        {
            client[$"x-ratelimit-reset-{family}"] = duration;
        }
    }

    private static void Copy(HttpResponseHeaders upstream, IHeaderDictionary client, string from, string to)
    {
        if (Get(upstream, from) is { } value)
        {
            client[to] = value;
        }
    }

    private static bool TryParseReset(string? value, out DateTimeOffset time)
    {
        time = default;
        return value is not null
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }

    private static string? Get(HttpResponseHeaders headers, string name)
    {
        if (!headers.NonValidated.TryGetValues(name, out var values))
        {
            return null;
        }

        foreach (var value in values)
        {
            return value.Trim();
        }

        return null;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
