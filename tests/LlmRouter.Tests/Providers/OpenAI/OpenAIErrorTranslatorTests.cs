using System.Text;
using LlmRouter.Providers;
using LlmRouter.Providers.OpenAI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Providers.OpenAI;

public sealed class OpenAIErrorTranslatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static UpstreamError Translate(int status, string body, params (string Name, string Value)[] headers)
    {
        using var response = new HttpResponseMessage();
        foreach (var (name, value) in headers)
        {
            Assert.True(response.Headers.TryAddWithoutValidation(name, value));
        }

        return new OpenAIAdapter(new FakeTimeProvider(Now)).TranslateError(status, response.Headers, Encoding.UTF8.GetBytes(body));
    }

    [Theory]
    [InlineData(400, """{"error":{"message":"Bad","type":"invalid_request_error","param":"messages","code":null}}""", 400, "Bad", "invalid_request_error", null, "messages")]
    [InlineData(401, """{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""", 401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key", null)]
    [InlineData(404, """{"error":{"message":"The model `x` does not exist","type":"invalid_request_error","param":null,"code":"model_not_found"}}""", 404, "The model `x` does not exist", "invalid_request_error", "model_not_found", null)]
    [InlineData(429, """{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}""", 429, "Rate limit reached", "requests", "rate_limit_exceeded", null)]
    [InlineData(429, """{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}""", 429, "You exceeded your current quota", "insufficient_quota", "insufficient_quota", null)]
    [InlineData(500, """{"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}""", 500, "The server had an error", "server_error", null, null)]
    [InlineData(400, """{"error":{"message":"Typed null","type":null,"param":null,"code":"x"}}""", 400, "Typed null", "invalid_request_error", "x", null)]
    [InlineData(400, """[{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}]""", 400, "Request contains an invalid argument.", "invalid_request_error", null, null)]
    [InlineData(429, """{"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED"}}""", 429, "Resource exhausted", "rate_limit_error", "rate_limit_exceeded", null)]
    [InlineData(400, """{"object":"error","message":"max_tokens is too large","type":"BadRequestError","param":null,"code":400}""", 400, "max_tokens is too large", "invalid_request_error", null, null)]
    [InlineData(404, """{"detail":"Not Found"}""", 404, "Not Found", "invalid_request_error", null, null)]
    [InlineData(502, "<html><body>Bad gateway</body></html>", 502, "The upstream returned HTTP 502.", "server_error", null, null)]
    [InlineData(503, "upstream connect error or disconnect/reset before headers", 503, "upstream connect error or disconnect/reset before headers", "server_error", null, null)]
    [InlineData(504, "", 504, "The upstream returned HTTP 504.", "server_error", "timeout", null)]
    [InlineData(401, "{}", 401, "The upstream returned HTTP 401.", "invalid_request_error", "invalid_api_key", null)]
    [InlineData(403, "Forbidden", 403, "Forbidden", "permission_error", null, null)]
    [InlineData(413, "{\"error\":\"too big\"}", 413, "too big", "invalid_request_error", "request_too_large", null)]
    [InlineData(529, """{"error":{"message":"Overloaded"}}""", 503, "Overloaded", "server_error", "overloaded", null)]
    public void TranslateError_Table(int status, string body, int expectedStatus, string message, string type, string? code, string? param)
    {
        var error = Translate(status, body);

        Assert.Equal(expectedStatus, error.StatusCode);
        Assert.Equal(message, error.Message);
        Assert.Equal(type, error.Type);
        Assert.Equal(code, error.Code);
        Assert.Equal(param, error.Param);
    }

    [Fact]
    public void TranslateError_InsufficientQuota_IsNotRetryableButRateLimitIs()
    {
        Assert.False(Translate(429, """{"error":{"message":"q","type":"insufficient_quota","code":"insufficient_quota"}}""").IsRetryable);
        Assert.True(Translate(429, """{"error":{"message":"r","type":"requests","code":"rate_limit_exceeded"}}""").IsRetryable);
    }

    [Fact]
    public void TranslateError_LongTextBody_IsCutOnACharacterBoundary()
    {
        var error = Translate(500, new string('a', 999) + "é and more");

        Assert.Equal(new string('a', 999), error.Message);
    }

    [Theory]
    [InlineData("retry-after-ms", "1500", 1500)]
    [InlineData("retry-after", "12", 12_000)]
    [InlineData("retry-after", "0.25", 250)]
    [InlineData("retry-after", "Fri, 27 Nov 2026 12:00:30 GMT", 30_000)]
    [InlineData("retry-after", "Fri, 27 Nov 2026 11:59:00 GMT", 0)]
    public void TranslateError_RetryAfterHeaders_AreRead(string header, string value, int expectedMilliseconds)
    {
        var error = Translate(429, "{}", (header, value));

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), error.RetryAfter);
    }

    [Fact]
    public void TranslateError_RetryAfterMs_WinsOverRetryAfter()
    {
        var error = Translate(429, "{}", ("retry-after", "10"), ("retry-after-ms", "20"));

        Assert.Equal(TimeSpan.FromMilliseconds(20), error.RetryAfter);
    }

    [Theory]
    [InlineData("0", "6m0s", "1", "1s", 360_000)]
    [InlineData("3", "6m0s", "0", "20ms", 20)]
    [InlineData("0", "1s", "0", "1.5s", 1_500)]
    public void TranslateError_ExhaustedRateLimitBudget_WaitsForItsReset(string remainingRequests, string resetRequests, string remainingTokens, string resetTokens, int expectedMilliseconds)
    {
        var error = Translate(
            429,
            "{}",
            ("x-ratelimit-remaining-requests", remainingRequests),
            ("x-ratelimit-reset-requests", resetRequests),
            ("x-ratelimit-remaining-tokens", remainingTokens),
            ("x-ratelimit-reset-tokens", resetTokens));

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), error.RetryAfter);
    }

    [Fact]
    public void TranslateError_BudgetLeftAndNoRetryAfter_HasNoRetryAfter()
    {
        var error = Translate(429, "{}", ("x-ratelimit-remaining-requests", "5"), ("x-ratelimit-reset-requests", "1s"));

        Assert.Null(error.RetryAfter);
    }

    [Theory]
    [InlineData("1s", 1_000)]
    [InlineData("6m0s", 360_000)]
    [InlineData("20ms", 20)]
    [InlineData("1h2m3.5s", 3_723_500)]
    [InlineData("150us", 0.15)]
    [InlineData("2", 2_000)]
    public void TryParseDuration_GoDurations(string text, double expectedMilliseconds)
    {
        Assert.True(OpenAIRetryAfter.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("5 parsecs")]
    [InlineData("1d")]
    [InlineData("-1")]
    public void TryParseDuration_Garbage_IsRejected(string text)
    {
        Assert.False(OpenAIRetryAfter.TryParseDuration(text, out _));
    }
}
