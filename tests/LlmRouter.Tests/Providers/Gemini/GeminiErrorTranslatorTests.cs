using System.Net.Http.Headers;
using System.Text;
using LlmRouter.Providers.Gemini;

namespace LlmRouter.Tests.Providers.Gemini;

public sealed class GeminiErrorTranslatorTests
{
    private static readonly GeminiAdapter Adapter = new(new ThoughtSignatureStore());

    public static TheoryData<int, string, int, string, string?, int?> Cases => new()
    {
        {
            429,
            """{"error":{"code":429,"message":"You exceeded your current quota. Please retry in 32.5s.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"m","quotaId":"GenerateRequestsPerMinutePerProjectPerModel"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"32.5s"}]}}""",
            429, "rate_limit_error", "rate_limit_exceeded", 33
        },
        {
            429,
            """{"error":{"code":429,"message":"Daily quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"32s"}]}}""",
            429, "insufficient_quota", "insufficient_quota", null
        },
        {
            400,
            """[{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}]""",
            400, "invalid_request_error", null, null
        },
        {
            400,
            """{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}""",
            401, "invalid_request_error", "invalid_api_key", null
        },
        {
            400,
            """{"error":{"code":400,"message":"User location is not supported for the API use.","status":"FAILED_PRECONDITION"}}""",
            400, "invalid_request_error", "failed_precondition", null
        },
        {
            403,
            """{"error":{"code":403,"message":"Permission denied.","status":"PERMISSION_DENIED"}}""",
            403, "permission_error", null, null
        },
        {
            404,
            """{"error":{"code":404,"message":"models/gemini-9 is not found.","status":"NOT_FOUND"}}""",
            404, "invalid_request_error", "model_not_found", null
        },
        {
            500,
            """{"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL"}}""",
            500, "server_error", null, null
        },
        {
            503,
            """{"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}""",
            503, "server_error", null, null
        },
        {
            504,
            """{"error":{"code":504,"message":"Deadline exceeded.","status":"DEADLINE_EXCEEDED"}}""",
            504, "server_error", "timeout", null
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TranslateError_GeminiError_MapsStatusTypeCodeAndRetryAfter(
        int status, string body, int expectedStatus, string expectedType, string? expectedCode, int? retryAfterSeconds)
    {
        var error = Adapter.TranslateError(status, NoHeaders(), Encoding.UTF8.GetBytes(body));

        Assert.Equal(expectedStatus, error.StatusCode);
        Assert.Equal(expectedType, error.Type);
        Assert.Equal(expectedCode, error.Code);
        Assert.Equal(retryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null, error.RetryAfter);
        Assert.DoesNotContain("Gemini returned", error.Message);
    }

    [Fact]
    public void TranslateError_ArrayWrappedBody_KeepsUpstreamMessage()
    {
        var error = Adapter.TranslateError(400, NoHeaders(), """[{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}]"""u8);

        Assert.Equal("Request contains an invalid argument.", error.Message);
        Assert.Null(error.Param);
    }

    [Fact]
    public void TranslateError_PerDayQuota_IsNotRetryable()
    {
        var error = Adapter.TranslateError(429, NoHeaders(), """{"error":{"code":429,"message":"q","status":"RESOURCE_EXHAUSTED","details":[{"violations":[{"quotaId":"RequestsPerDay"}]}]}}"""u8);

        Assert.False(error.IsRetryable);
    }

    [Theory]
    [InlineData(429, "", 429, "rate_limit_error")]
    [InlineData(502, "<html><body>Bad gateway</body></html>", 502, "server_error")]
    [InlineData(400, "[]", 400, "invalid_request_error")]
    [InlineData(400, "[1]", 400, "invalid_request_error")]
    [InlineData(404, "{\"error\":\"not found\"}", 404, "invalid_request_error")]
    [InlineData(500, "{\"error\":{\"code\":\"abc\",\"message\":7,\"details\":\"x\"}}", 500, "server_error")]
    [InlineData(429, "{\"error\":{\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[1,{\"retryDelay\":5},{\"violations\":7}]}}", 429, "rate_limit_error")]
    [InlineData(418, "{\"error\":{", 418, "invalid_request_error")]
    public void TranslateError_MalformedBody_FallsBackOnHttpStatusWithoutThrowing(int status, string body, int expectedStatus, string expectedType)
    {
        var error = Adapter.TranslateError(status, NoHeaders(), Encoding.UTF8.GetBytes(body));

        Assert.Equal(expectedStatus, error.StatusCode);
        Assert.Equal(expectedType, error.Type);
        Assert.False(string.IsNullOrEmpty(error.Message));
    }

    [Fact]
    public void TranslateError_RetryAfterHeaderFromAProxy_IsUsedWhenBodyHasNone()
    {
        using var response = new HttpResponseMessage();
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(7));

        var error = Adapter.TranslateError(503, response.Headers, """{"error":{"code":503,"message":"busy","status":"UNAVAILABLE"}}"""u8);

        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
    }

    [Theory]
    [InlineData("32.5s", 33)]
    [InlineData("32s", 32)]
    [InlineData("45.837906927s", 46)]
    [InlineData("0.1s", 1)]
    [InlineData("0s", 0)]
    public void ParseDuration_ProtobufDuration_RoundsUpToWholeSeconds(string text, int seconds)
        => Assert.Equal(TimeSpan.FromSeconds(seconds), GeminiErrorTranslator.ParseDuration(text));

    [Theory]
    [InlineData("soon")]
    [InlineData("-3s")]
    [InlineData("")]
    public void ParseDuration_Unreadable_IsNull(string text) => Assert.Null(GeminiErrorTranslator.ParseDuration(text));

    private static HttpResponseHeaders NoHeaders()
    {
        using var response = new HttpResponseMessage();
        return response.Headers;
    }
}
