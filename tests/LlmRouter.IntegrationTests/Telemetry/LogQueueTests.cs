using LlmRouter.IntegrationTests.Infrastructure;

namespace LlmRouter.IntegrationTests.Telemetry;

/// <summary>Console logging runs behind a bounded queue whose drops and depth are exported.</summary>
public sealed class LogQueueTests : IDisposable
{
    private readonly GatewayApp _gateway = new(TestCatalog.Shipped(), new Dictionary<string, string?> { ["Serilog:MinimumLevel:Default"] = "Information" });

    [Fact]
    public async Task Metrics_LogQueue_DropsAndDepthAreExported()
    {
        using var client = _gateway.CreateClient();
        using (await client.GetAsync("/v1/models"))
        {
        }

        var metrics = PrometheusText.Parse(await client.GetStringAsync("/metrics"));

        Assert.Equal(0, Assert.Single(metrics.Series("llmrouter_log_events_dropped_total")).Value);
        Assert.Single(metrics.Series("llmrouter_log_queue_depth"));
    }

    public void Dispose() => _gateway.Dispose();
}
