using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace LlmRouter.IntegrationTests.Telemetry;

/// <summary>A Serilog sink that keeps every event, registered in the gateway's container.</summary>
public sealed class CapturingSink : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyCollection<LogEvent> Events => _events;

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);
}
