using LlmRouter.Configuration;
using LlmRouter.Providers;
using LlmRouter.Proxy;
using LlmRouter.Proxy.Attempts;
using LlmRouter.Routing.Stats;
using LlmRouter.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Proxy;

public sealed class RequestAccountingTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new();
    private readonly LiveStatsStore _stats;
    private readonly RequestAccounting _accounting;
    private readonly Deployment _deployment = new("a", new DeploymentOptions { Provider = ProviderKind.OpenAI }, new Uri("http://127.0.0.1:1"));
    private readonly LimitsOptions _limits = new() { AuthenticationFailureCooldownSeconds = 60 };

    public RequestAccountingTests()
    {
        _stats = new LiveStatsStore(_time);
        _accounting = new RequestAccounting(_stats, new GatewayMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), _time,
            NullLogger<RequestAccounting>.Instance);
    }

    [Fact]
    public void RecordAttempt_ClientAborted_LeavesTheDeploymentsStatsAlone()
    {
        using var attempt = Started();
        _accounting.RecordAttempt("r", _limits, attempt, AttemptResult.Aborted(200));

        Assert.False(_stats.Get("a").Snapshot().HasSamples);
    }

    [Fact]
    public void RecordAttempt_NotSent_LeavesTheDeploymentsStatsAlone()
    {
        using var attempt = new UpstreamAttempt(1, TimeSpan.FromSeconds(5), _time, CancellationToken.None);
        attempt.Pick("a");
        _accounting.RecordAttempt("r", _limits, attempt, AttemptResult.NotSent(new UpstreamError(400, "x", "invalid_request_error")));

        Assert.False(_stats.Get("a").Snapshot().HasSamples);
    }

    [Theory]
    [InlineData(400, 0.0)]
    [InlineData(404, 0.0)]
    [InlineData(429, 1.0)]
    [InlineData(503, 1.0)]
    public void RecordAttempt_ClientFault_IsNotADeploymentError(int status, double errorRate)
    {
        var error = new UpstreamError(status, "x", status >= 500 ? "server_error" : "invalid_request_error");
        using var attempt = Started();

        _accounting.RecordAttempt("r", _limits, attempt, AttemptResult.Upstream(status, error));

        var snapshot = _stats.Get("a").Snapshot();
        Assert.True(snapshot.HasSamples);
        Assert.Equal(errorRate, snapshot.ErrorRate, 3);
    }

    [Fact]
    public void RecordAttempt_ProviderRejectedTheGatewaysKey_CoolsTheDeploymentDown()
    {
        var rejected = UpstreamFailures.Classify(new UpstreamError(401, "Incorrect API key provided: sk-fake", "invalid_request_error", "invalid_api_key"), _deployment, _limits);
        using var attempt = Started();

        _accounting.RecordAttempt("r", _limits, attempt, AttemptResult.Upstream(401, rejected));

        var snapshot = _stats.Get("a").Snapshot();
        Assert.True(snapshot.IsCoolingDown);
        Assert.Equal(TimeSpan.FromSeconds(60), snapshot.CooldownUntil!.Value - snapshot.AsOf);
    }

    public void Dispose() => _services.Dispose();

    private UpstreamAttempt Started()
    {
        var attempt = new UpstreamAttempt(1, TimeSpan.FromSeconds(5), _time, CancellationToken.None);
        attempt.Start(_deployment, new LlmRouter.Providers.OpenAI.OpenAIAdapter(), "/v1/chat/completions");
        return attempt;
    }
}
