using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using static LlmRouter.Tests.Providers.Anthropic.AnthropicTestData;

namespace LlmRouter.Tests.Providers.Anthropic;

public sealed class AnthropicErrorTranslatorTests
{
    private static LlmRouter.Providers.UpstreamError Translate(int status, string body, params (string Name, string Value)[] headers)
    {
        using var response = new HttpResponseMessage();
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return Adapter().TranslateError(status, response.Headers, Encoding.UTF8.GetBytes(body));
    }

    private static string Body(string type, string message) => $$"""{"type":"error","error":{"type":"{{type}}","message":"{{message}}"},"request_id":"req_011"}""";

    [Theory]
    [InlineData(400, "invalid_request_error", "messages: text content blocks must be non-empty", 400, "invalid_request_error", null)]
    [InlineData(400, "invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum", 400, "invalid_request_error", "context_length_exceeded")]
    [InlineData(401, "authentication_error", "invalid x-api-key", 401, "invalid_request_error", "invalid_api_key")]
    [InlineData(402, "billing_error", "Your credit balance is too low", 429, "insufficient_quota", "insufficient_quota")]
    [InlineData(403, "permission_error", "no access", 403, "permission_error", null)]
    [InlineData(404, "not_found_error", "model: claude-nope", 404, "invalid_request_error", "model_not_found")]
    [InlineData(404, "not_found_error", "Not found", 404, "invalid_request_error", null)]
    [InlineData(413, "request_too_large", "Request exceeds the maximum size", 413, "invalid_request_error", "request_too_large")]
    [InlineData(429, "rate_limit_error", "Number of request tokens has exceeded your rate limit", 429, "rate_limit_error", "rate_limit_exceeded")]
    [InlineData(500, "api_error", "Internal server error", 500, "server_error", null)]
    [InlineData(504, "timeout_error", "Request timed out", 504, "server_error", "timeout")]
    [InlineData(529, "overloaded_error", "Overloaded", 503, "server_error", "overloaded")]
    [InlineData(409, "invalid_request_error", "conflict", 409, "invalid_request_error", null)]
    [InlineData(502, "api_error", "bad gateway", 502, "server_error", null)]
    public void TranslateError_StatusAndType_MapToOpenAI(int status, string type, string message, int expectedStatus, string expectedType, string? expectedCode)
    {
        var error = Translate(status, Body(type, message));

        Assert.Equal(expectedStatus, error.StatusCode);
        Assert.Equal(expectedType, error.Type);
        Assert.Equal(expectedCode, error.Code);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData(529, true)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(402, false)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    public void TranslateError_Retryability_FollowsMappedStatus(int status, bool retryable)
        => Assert.Equal(retryable, Translate(status, Body("x", "y")).IsRetryable);

    [Fact]
    public void TranslateError_SpendLimit429_IsNotRetryableQuota()
    {
        var error = Translate(429, """{"type":"error","error":{"type":"rate_limit_error","message":"spend limit","details":{"error_code":"enforced_spend_limit_reached"}}}""");

        Assert.Equal(429, error.StatusCode);
        Assert.Equal("insufficient_quota", error.Type);
        Assert.False(error.IsRetryable);
    }

    [Theory]
    [InlineData(502, "<html><body>Bad Gateway</body></html>")]
    [InlineData(500, "")]
    [InlineData(503, "{\"error\":5}")]
    [InlineData(400, "{\"error\":{\"type\":7,\"message\":[1]}}")]
    [InlineData(529, "{\"type\":\"error\",\"error\":{")]
    [InlineData(500, "[1,2,3]")]
    public void TranslateError_MalformedBody_FallsBackToGenericMessage(int status, string body)
    {
        var error = Translate(status, body);

        Assert.Contains(status.ToString(CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.Equal(status == 529 ? 503 : status, error.StatusCode);
    }

    [Fact]
    public void TranslateError_Overloaded529WithRetryAfter_Is503WithRetryAfter()
    {
        var error = Translate(529, Body("overloaded_error", "Overloaded"), ("retry-after", "3"));

        Assert.Equal(503, error.StatusCode);
        Assert.Equal("server_error", error.Type);
        Assert.Equal("overloaded", error.Code);
        Assert.Equal(TimeSpan.FromSeconds(3), error.RetryAfter);
    }

    [Fact]
    public void TranslateError_RetryAfterMs_WinsOverRetryAfter()
    {
        var error = Translate(429, Body("rate_limit_error", "slow"), ("retry-after-ms", "1500"), ("retry-after", "12"));

        Assert.Equal(TimeSpan.FromMilliseconds(1500), error.RetryAfter);
    }

    [Fact]
    public void TranslateError_RetryAfterHttpDate_IsRelativeToNow()
    {
        var error = Translate(429, Body("rate_limit_error", "slow"), ("retry-after", Now.AddSeconds(30).ToString("r", CultureInfo.InvariantCulture)));

        Assert.Equal(TimeSpan.FromSeconds(30), error.RetryAfter);
    }

    [Fact]
    public void TranslateError_NoRetryAfter_UsesResetOfExhaustedBucket()
    {
        var error = Translate(429, Body("rate_limit_error", "slow"),
            ("anthropic-ratelimit-requests-remaining", "5"),
            ("anthropic-ratelimit-requests-reset", Now.AddSeconds(50).ToString("O", CultureInfo.InvariantCulture)),
            ("anthropic-ratelimit-tokens-remaining", "0"),
            ("anthropic-ratelimit-tokens-reset", Now.AddSeconds(20).ToString("O", CultureInfo.InvariantCulture)));

        Assert.Equal(TimeSpan.FromSeconds(20), error.RetryAfter);
    }

    [Fact]
    public void TranslateError_NoHints_NoRetryAfter()
    {
        var error = Translate(429, Body("rate_limit_error", "slow"), ("anthropic-ratelimit-requests-remaining", "3"));

        Assert.Null(error.RetryAfter);
    }

    [Fact]
    public void TranslateError_Case18_RateLimitWithHeaders()
    {
        var reset = Now.AddSeconds(12).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("retry-after", "12");
        response.Headers.TryAddWithoutValidation("anthropic-ratelimit-requests-remaining", "0");
        response.Headers.TryAddWithoutValidation("anthropic-ratelimit-requests-reset", reset);
        response.Headers.TryAddWithoutValidation("request-id", "req_011CSHoEeqs5C35K2UUqR7Fy");
        var adapter = Adapter();

        var error = adapter.TranslateError(429, response.Headers, Encoding.UTF8.GetBytes(Body("rate_limit_error", "Too many requests")));
        var client = new HeaderDictionary();
        adapter.TranslateResponseHeaders(response.Headers, client);

        Assert.Equal((429, "rate_limit_error", "rate_limit_exceeded", "Too many requests"), (error.StatusCode, error.Type, error.Code, error.Message));
        Assert.Equal(TimeSpan.FromSeconds(12), error.RetryAfter);
        Assert.Equal("12", client["retry-after"].ToString());
        Assert.Equal("0", client["x-ratelimit-remaining-requests"].ToString());
        Assert.Equal("12s", client["x-ratelimit-reset-requests"].ToString());
        Assert.Equal("req_011CSHoEeqs5C35K2UUqR7Fy", client["x-request-id"].ToString());
    }

    [Fact]
    public void TranslateResponseHeaders_BothFamilies_MappedToOpenAINames()
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("anthropic-ratelimit-requests-limit", "50");
        response.Headers.TryAddWithoutValidation("anthropic-ratelimit-requests-remaining", "49");
        response.Headers.TryAddWithoutValidation("anthropic-ratelimit-requests-reset", Now.AddMilliseconds(1200).ToString("O", CultureInfo.InvariantCulture));
        response.Headers.TryAddWithoutValidation("anthropic-ratelimit-tokens-limit", "80000");
        response.Headers.TryAddWithoutValidation("anthropic-ratelimit-tokens-remaining", "79000");
        response.Headers.TryAddWithoutValidation("anthropic-ratelimit-tokens-reset", Now.AddSeconds(-5).ToString("O", CultureInfo.InvariantCulture));
        response.Headers.TryAddWithoutValidation("anthropic-ratelimit-input-tokens-limit", "40000");
        var client = new HeaderDictionary();

        Adapter().TranslateResponseHeaders(response.Headers, client);

        Assert.Equal("50", client["x-ratelimit-limit-requests"].ToString());
        Assert.Equal("49", client["x-ratelimit-remaining-requests"].ToString());
        Assert.Equal("2s", client["x-ratelimit-reset-requests"].ToString());
        Assert.Equal("80000", client["x-ratelimit-limit-tokens"].ToString());
        Assert.Equal("79000", client["x-ratelimit-remaining-tokens"].ToString());
        Assert.Equal("0s", client["x-ratelimit-reset-tokens"].ToString());
        Assert.False(client.ContainsKey("retry-after"));
        Assert.False(client.ContainsKey("x-request-id"));
        Assert.Equal(6, client.Count);
    }

    [Fact]
    public void TranslateResponseHeaders_UnparseableReset_IsSkipped()
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("anthropic-ratelimit-requests-reset", "soon");
        var client = new HeaderDictionary();

        Adapter().TranslateResponseHeaders(response.Headers, client);

        Assert.False(client.ContainsKey("x-ratelimit-reset-requests"));
    }
}
