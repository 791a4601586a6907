using LlmRouter.Configuration;
using LlmRouter.Providers;
using LlmRouter.Proxy.Attempts;

namespace LlmRouter.Tests.Proxy.Attempts;

public sealed class UpstreamFailuresTests
{
    private static readonly Deployment Deployment = new("gpt", new DeploymentOptions(), new Uri("http://127.0.0.1:1"));
    private static readonly LimitsOptions Limits = new() { MaxRetryAfterSeconds = 600 };

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public void Classify_ProviderRejectsTheGatewaysKey_Is502WithoutTheProvidersText(int status)
    {
        var error = UpstreamFailures.Classify(new UpstreamError(status, "Incorrect API key provided: sk-fake***abcd", "invalid_request_error", "invalid_api_key"), Deployment, Limits);

        Assert.Equal(502, error.StatusCode);
        Assert.Equal(UpstreamFailures.AuthenticationErrorCode, error.Code);
        Assert.DoesNotContain("sk-", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsRetryable);
    }

    [Fact]
    public void Classify_HugeRetryAfter_IsCapped()
    {
        var error = UpstreamFailures.Classify(new UpstreamError(429, "wait", "rate_limit_error", "rate_limit_exceeded", TimeSpan.FromDays(30)), Deployment, Limits);

        Assert.Equal(TimeSpan.FromSeconds(600), error.RetryAfter);
    }

    [Fact]
    public void Classify_OrdinaryError_IsUnchanged()
    {
        var original = new UpstreamError(503, "busy", "server_error", "overloaded", TimeSpan.FromSeconds(3));

        Assert.Same(original, UpstreamFailures.Classify(original, Deployment, Limits));
    }
}
