using System.Diagnostics.Metrics;
using LlmRouter.IntegrationTests.Infrastructure;
using LlmRouter.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRouter.IntegrationTests.Telemetry;

/// <summary>Console logging runs behind a bounded queue whose drops and depth are exported on the gateway's meter.</summary>
public sealed class LogQueueTests : IDisposable
{
    private readonly GatewayApp _gateway = new(TestCatalog.Shipped());

    [Fact]
    public async Task Meter_LogQueue_DropsAndDepthAreObserved()
    {
        using var client = _gateway.CreateClient();
        using (await client.GetAsync("/v1/models"))
        {
        }

        // Observed on this gateway's own meter: other gateways in the test process share the meter's name.
        var meter = _gateway.Services.GetRequiredService<GatewayMetrics>().Meter;
        var observed = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter) && instrument.Name.StartsWith("llmrouter.log.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => observed[instrument.Name] = value);
            listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => observed[instrument.Name] = value);
            listener.Start();
            listener.RecordObservableInstruments();
        }

        Assert.Equal(0, observed["llmrouter.log.events.dropped"]);
        Assert.True(observed.ContainsKey("llmrouter.log.queue.depth"));
    }

    public void Dispose() => _gateway.Dispose();
}
