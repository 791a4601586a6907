using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace LlmRouter.Providers.Gemini;

/// <summary>
/// Translates Gemini's Google-RPC style errors (<c>{"error":{"code","message","status","details"}}</c>, often wrapped
/// in a JSON array on streaming endpoints) into OpenAI status, type and code. Never throws on a malformed body.
/// </summary>
internal static class GeminiErrorTranslator
{
    private const string InvalidRequest = "invalid_request_error";
    private const string ServerError = "server_error";

    public static UpstreamError Translate(int statusCode, HttpResponseHeaders? headers, ReadOnlySpan<byte> body)
    {
        var error = TryParse(body, statusCode, out var parsed)
            ? parsed
            : Map(statusCode, grpcStatus: null, $"Gemini returned HTTP {statusCode}.", default);

        // Gemini itself sends no Retry-After, but a proxy in front of it may.
        if (error.RetryAfter is null && error.Type != "insufficient_quota" && HeaderRetryAfter(headers) is { } fromHeader)
        {
            error = error with { RetryAfter = fromHeader };
        }

        return error;
    }

    /// <summary>
    /// Reads a Gemini error payload: an object with an <c>error</c> key, possibly array-wrapped. The HTTP status,
    /// when known, wins over the body's <c>code</c>; inside a 200 stream pass null to use the body's code.
    /// Returns false when <paramref name="json"/> is not an error or not JSON.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> json, int? httpStatus, out UpstreamError error)
    {
        error = null!;
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            return TryFromRoot(document.RootElement, httpStatus, out error);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Finds <c>error</c> in an object or in the first element of an array-wrapped body.</summary>
    public static bool TryFromRoot(JsonElement root, int? httpStatus, out UpstreamError error)
    {
        error = null!;
        if (root.ValueKind == JsonValueKind.Array)
        {
            if (root.GetArrayLength() == 0)
            {
                return false;
            }

            root = root[0];
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("error"u8, out var body) || body.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var status = httpStatus
            ?? (body.TryGetProperty("code"u8, out var code) && code.ValueKind == JsonValueKind.Number && code.TryGetInt32(out var number)
                && number is >= 400 and <= 599
                ? number
                : 500);
        var grpcStatus = body.TryGetProperty("status"u8, out var statusElement) && statusElement.ValueKind == JsonValueKind.String
            ? statusElement.GetString()
            : null;
        var message = body.TryGetProperty("message"u8, out var messageElement) && messageElement.ValueKind == JsonValueKind.String
            ? messageElement.GetString()!
            : $"Gemini returned HTTP {status}.";
        var details = body.TryGetProperty("details"u8, out var detailsElement) && detailsElement.ValueKind == JsonValueKind.Array
            ? detailsElement
            : default;
        error = Map(status, grpcStatus, message, details);
        return true;
    }

    private static UpstreamError Map(int status, string? grpcStatus, string message, JsonElement details)
    {
        // The RPC status is more specific than the HTTP code (FAILED_PRECONDITION and INVALID_ARGUMENT are both 400).
        grpcStatus ??= status switch
        {
            400 => "INVALID_ARGUMENT",
            401 => "UNAUTHENTICATED",
            403 => "PERMISSION_DENIED",
            404 => "NOT_FOUND",
            429 => "RESOURCE_EXHAUSTED",
            500 => "INTERNAL",
            503 => "UNAVAILABLE",
            504 => "DEADLINE_EXCEEDED",
            _ => string.Empty,
        };

        switch (grpcStatus)
        {
            case "INVALID_ARGUMENT" when HasReason(details, "API_KEY_INVALID"):
            case "UNAUTHENTICATED":
                // Gemini answers a bad key with 400; OpenAI clients expect 401 (AuthenticationError).
                return new UpstreamError(401, message, InvalidRequest, "invalid_api_key");
            case "INVALID_ARGUMENT":
                return new UpstreamError(400, message, InvalidRequest);
            case "FAILED_PRECONDITION":
                return new UpstreamError(400, message, InvalidRequest, "failed_precondition");
            case "PERMISSION_DENIED":
                return new UpstreamError(403, message, "permission_error");
            case "NOT_FOUND":
                return new UpstreamError(404, message, InvalidRequest, "model_not_found");
            case "RESOURCE_EXHAUSTED":
                // A per-day quota will not recover within any sensible retry window: report it as out of quota.
                return IsPerDayQuota(details)
                    ? new UpstreamError(429, message, "insufficient_quota", "insufficient_quota")
                    : new UpstreamError(429, message, "rate_limit_error", "rate_limit_exceeded", RetryDelay(details));
            case "INTERNAL":
                return new UpstreamError(500, message, ServerError);
            case "UNAVAILABLE":
                return new UpstreamError(503, message, ServerError);
            case "DEADLINE_EXCEEDED":
                return new UpstreamError(504, message, ServerError, "timeout");
        }

        return status switch
        {
            >= 500 and <= 599 => new UpstreamError(status, message, ServerError),
            >= 400 and <= 499 => new UpstreamError(status, message, InvalidRequest),
            _ => new UpstreamError(502, message, ServerError),
        };
    }

    private static bool HasReason(JsonElement details, string reason)
    {
        if (details.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var detail in details.EnumerateArray())
        {
            if (detail.ValueKind == JsonValueKind.Object
                && detail.TryGetProperty("reason"u8, out var value)
                && value.ValueKind == JsonValueKind.String
                && value.ValueEquals(reason))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsPerDayQuota(JsonElement details)
    {
        if (details.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var detail in details.EnumerateArray())
        {
            if (detail.ValueKind != JsonValueKind.Object
                || !detail.TryGetProperty("violations"u8, out var violations)
                || violations.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var violation in violations.EnumerateArray())
            {
                if (violation.ValueKind == JsonValueKind.Object
                    && violation.TryGetProperty("quotaId"u8, out var quotaId)
                    && quotaId.ValueKind == JsonValueKind.String
                    && quotaId.GetString()!.Contains("PerDay", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary><c>RetryInfo.retryDelay</c> is a protobuf duration such as <c>"32.5s"</c>; rounded up to whole seconds for <c>retry-after</c>.</summary>
    private static TimeSpan? RetryDelay(JsonElement details)
    {
        if (details.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var detail in details.EnumerateArray())
        {
            if (detail.ValueKind == JsonValueKind.Object
                && detail.TryGetProperty("retryDelay"u8, out var delay)
                && delay.ValueKind == JsonValueKind.String
                && ParseDuration(delay.GetString()!) is { } parsed)
            {
                return parsed;
            }
        }

        return null;
    }

    internal static TimeSpan? ParseDuration(string text)
    {
        var span = text.AsSpan().Trim();
        if (span.EndsWith('s'))
        {
            span = span[..^1];
        }

        if (!double.TryParse(span, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            || double.IsNaN(seconds) || seconds < 0 || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return null;
        }

        return TimeSpan.FromSeconds(Math.Ceiling(seconds));
    }

    private static TimeSpan? HeaderRetryAfter(HttpResponseHeaders? headers)
    {
        if (headers?.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        if (retryAfter.Delta is { } delta)
        {
            return delta;
        }

        if (retryAfter.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? TimeSpan.FromSeconds(Math.Ceiling(wait.TotalSeconds)) : TimeSpan.Zero;
        }

        return null;
    }
}
