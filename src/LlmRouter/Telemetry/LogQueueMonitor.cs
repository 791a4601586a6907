using System.Diagnostics.Metrics;
using Serilog.Sinks.Async;

namespace LlmRouter.Telemetry;

/// <summary>
/// Watches the bounded queue in front of the console sink: request threads never wait for the console, and when
/// the queue is full events are dropped and counted (<c>llmrouter_log_events_dropped_total</c>) rather than slowing
/// every request down.
/// </summary>
internal sealed class LogQueueMonitor : IAsyncLogEventSinkMonitor
{
    private IAsyncLogEventSinkInspector? _inspector;

    public LogQueueMonitor(IMeterFactory meters)
    {
        var meter = meters.Create(GatewayMetrics.MeterName);
        meter.CreateObservableCounter("llmrouter.log.events.dropped", () => _inspector?.DroppedMessagesCount ?? 0, "{event}",
            "Log events dropped because the console could not keep up with the bounded log queue.");
        meter.CreateObservableUpDownCounter("llmrouter.log.queue.depth", () => _inspector?.Count ?? 0, "{event}",
            "Log events waiting for the console.");
    }

    public void StartMonitoring(IAsyncLogEventSinkInspector inspector) => _inspector = inspector;

    public void StopMonitoring(IAsyncLogEventSinkInspector inspector) => Interlocked.CompareExchange(ref _inspector, null, inspector);
}
