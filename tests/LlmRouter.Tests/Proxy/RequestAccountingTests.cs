using LlmRouter.Configuration;
using LlmRouter.Providers;
using LlmRouter.Proxy;
using LlmRouter.Routing.Stats;
using LlmRouter.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Proxy;

public sealed class RequestAccountingTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly LiveStatsStore _stats = new(new FakeTimeProvider());
    private readonly RequestAccounting _accounting;
    private readonly Deployment _deployment = new("a", new DeploymentOptions { Provider = ProviderKind.OpenAI }, new Uri("http://127.0.0.1:1"));

    public RequestAccountingTests()
    {
        _accounting = new RequestAccounting(_stats, new GatewayMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
    }

    [Fact]
    public void RecordAttempt_ClientAborted_LeavesTheDeploymentsStatsAlone()
    {
        _accounting.RecordAttempt(new DefaultHttpContext(), State(), new AttemptResult(false, 200, ClientAborted: true));

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

        _accounting.RecordAttempt(new DefaultHttpContext(), State(), new AttemptResult(false, status, Error: error));

        var snapshot = _stats.Get("a").Snapshot();
        Assert.True(snapshot.HasSamples);
        Assert.Equal(errorRate, snapshot.ErrorRate, 3);
    }

    public void Dispose() => _services.Dispose();

    private ForwardingState State()
    {
        var state = new ForwardingState(3, DateTimeOffset.MaxValue);
        state.BeginAttempt(_deployment, new LlmRouter.Providers.OpenAI.OpenAIAdapter(), "/v1/chat/completions");
        return state;
    }
}
