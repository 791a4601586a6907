using System.Globalization;
using System.Net.Http.Headers;

namespace LlmRouter.Providers.OpenAI;

/// <summary>
/// How long an OpenAI upstream asked us to wait, read the way the OpenAI SDK reads it: <c>retry-after-ms</c>, then
/// <c>retry-after</c> (seconds, fractions allowed, or an HTTP date), then the reset duration of an exhausted
/// <c>x-ratelimit-*</c> budget (Go-style durations such as <c>1s</c>, <c>6m0s</c>, <c>20ms</c>).
/// </summary>
internal static class OpenAIRetryAfter
{
    public static TimeSpan? Read(HttpResponseHeaders headers, DateTimeOffset now)
    {
        var values = headers.NonValidated;
        if (TryFirst(values, "retry-after-ms", out var milliseconds)
            && double.TryParse(milliseconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        if (TryFirst(values, "retry-after", out var retryAfter))
        {
            if (double.TryParse(retryAfter, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (RetryConditionHeaderValue.TryParse(retryAfter, out var parsed) && parsed.Date is { } date)
            {
                var wait = date - now;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        var requests = ExhaustedReset(values, "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests");
        var tokens = ExhaustedReset(values, "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens");
        return (requests, tokens) switch
        {
            ({ } r, { } t) => r > t ? r : t,
            ({ } r, null) => r,
            (null, { } t) => t,
            _ => null,
        };
    }

    /// <summary>Parses a Go duration (<c>1h2m3.5s</c>, <c>20ms</c>, <c>150us</c>); a bare number means seconds.</summary>
    public static bool TryParseDuration(ReadOnlySpan<char> text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        text = text.Trim();
        if (text.IsEmpty)
        {
            return false;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare))
        {
            duration = TimeSpan.FromSeconds(bare);
            return bare >= 0;
        }

        double totalMilliseconds = 0;
        while (!text.IsEmpty)
        {
            var numberLength = 0;
            while (numberLength < text.Length && (char.IsAsciiDigit(text[numberLength]) || text[numberLength] == '.'))
            {
                numberLength++;
            }

            if (numberLength == 0 || !double.TryParse(text[..numberLength], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            text = text[numberLength..];
            var unitLength = 0;
            while (unitLength < text.Length && !char.IsAsciiDigit(text[unitLength]) && text[unitLength] != '.')
            {
                unitLength++;
            }

            double? unit = text[..unitLength] switch
            {
                "h" => 3_600_000,
                "m" => 60_000,
                "s" => 1_000,
                "ms" => 1,
                "us" or "µs" or "μs" => 0.001,
                "ns" => 0.000_001,
                _ => null,
            };
            if (unit is null)
            {
                return false;
            }

            totalMilliseconds += number * unit.Value;
            text = text[unitLength..];
        }

        duration = TimeSpan.FromMilliseconds(totalMilliseconds);
        return true;
    }

    private static TimeSpan? ExhaustedReset(HttpHeadersNonValidated values, string remainingHeader, string resetHeader)
    {
        if (TryFirst(values, remainingHeader, out var remaining)
            && remaining.AsSpan().Trim() is "0"
            && TryFirst(values, resetHeader, out var reset)
            && TryParseDuration(reset, out var duration))
        {
            return duration;
        }

        return null;
    }

    private static bool TryFirst(HttpHeadersNonValidated values, string name, out string value)
    {
        if (values.TryGetValues(name, out var found))
        {
            foreach (var item in found)
            {
                value = item;
                return true;
            }
        }

        value = string.Empty;
        return false;
    }
}
