using System.Net.Http.Headers;
using System.Text.Json;

namespace LlmRouter.Providers.Anthropic;

/// <summary>
/// Anthropic errors in OpenAI's terms. OpenAI SDKs pick the exception from the status alone, so the status mapping
/// matters most: 529 becomes 503 (retryable, understood by HTTP tooling), 402 becomes a non-retryable 429
/// <c>insufficient_quota</c>, 401 stays 401 <c>invalid_api_key</c>. The upstream message is kept.
/// </summary>
internal static class AnthropicErrorTranslator
{
    public static UpstreamError Translate(int statusCode, HttpResponseHeaders headers, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        ReadBody(body, out var type, out var message, out var spendLimit);
        message ??= $"The upstream provider returned HTTP {statusCode}.";
        var error = Map(statusCode, type, message, spendLimit);
        return error with { RetryAfter = AnthropicRateLimitHeaders.GetRetryAfter(headers, now) };
    }

    /// <summary>
    /// An <c>error</c> event inside a 200 stream. The status comes from the error type (for retry and health
    /// accounting); the client-facing type stays Anthropic's, since the HTTP status can no longer change.
    /// </summary>
    public static UpstreamError FromStreamError(string? type, string? message)
    {
        var error = Map(StatusOf(type), type, message ?? "The upstream provider reported an error during the stream.", spendLimit: false);
        return type is { Length: > 0 } ? error with { Type = type } : error;
    }

    private static UpstreamError Map(int status, string? type, string message, bool spendLimit)
    {
        if (status == 529 || type == "overloaded_error")
        {
            return new UpstreamError(503, message, "server_error", "overloaded");
        }

        return status switch
        {
            400 => new UpstreamError(400, message, "invalid_request_error", IsContextLengthError(message) ? "context_length_exceeded" : null),
            401 => new UpstreamError(401, message, "invalid_request_error", "invalid_api_key"),
            402 => new UpstreamError(429, message, "insufficient_quota", "insufficient_quota"),
            403 => new UpstreamError(403, message, "permission_error"),
            404 => new UpstreamError(404, message, "invalid_request_error",
                message.Contains("model", StringComparison.OrdinalIgnoreCase) ? "model_not_found" : null),
            413 => new UpstreamError(413, message, "invalid_request_error", "request_too_large"),
            // A spend-limit 429 does not clear by waiting.
            429 when spendLimit => new UpstreamError(429, message, "insufficient_quota", "insufficient_quota"),
            429 => new UpstreamError(429, message, "rate_limit_error", "rate_limit_exceeded"),
            500 => new UpstreamError(500, message, "server_error"),
            504 => new UpstreamError(504, message, "server_error", "timeout"),
            >= 400 and < 500 => new UpstreamError(status, message, "invalid_request_error"),
            >= 500 and < 600 => new UpstreamError(status, message, "server_error"),
            // Anything else is not an answer an OpenAI client can act on.
            _ => new UpstreamError(502, message, "server_error"),
        };
    }

    private static int StatusOf(string? type) => type switch
    {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => 500,
    };

    private static bool IsContextLengthError(string message)
        => message.Contains("prompt is too long", StringComparison.OrdinalIgnoreCase)
            || message.Contains("exceed context limit", StringComparison.OrdinalIgnoreCase)
            || message.Contains("context window", StringComparison.OrdinalIgnoreCase);

    // Error bodies come from Anthropic, proxies and load balancers alike; anything unreadable yields nulls, never a throw.
    private static void ReadBody(ReadOnlySpan<byte> body, out string? type, out string? message, out bool spendLimit)
    {
        type = null;
        message = null;
        spendLimit = false;
        if (body.IsEmpty)
        {
            return;
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("error"u8, out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            if (error.TryGetProperty("type"u8, out var typeElement) && typeElement.ValueKind == JsonValueKind.String)
            {
                type = typeElement.GetString();
            }

            if (error.TryGetProperty("message"u8, out var messageElement) && messageElement.ValueKind == JsonValueKind.String
                && messageElement.GetString() is { Length: > 0 } text)
            {
                message = text;
            }

            spendLimit = error.TryGetProperty("details"u8, out var details) && details.ValueKind == JsonValueKind.Object
                && details.TryGetProperty("error_code"u8, out var code) && code.ValueEquals("enforced_spend_limit_reached"u8);
        }
        catch (JsonException)
        {
            type = null;
            message = null;
        }
    }
}
