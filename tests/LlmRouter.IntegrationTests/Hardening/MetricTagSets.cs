using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace LlmRouter.IntegrationTests.Hardening;

/// <summary>
/// Every distinct (instrument, label set) one gateway's own meter records, listened to by reference: unlike a
/// <c>/metrics</c> scrape it cannot be disturbed by other gateways in the same test process, whose meters share the
/// name (the OpenTelemetry SDK drops a metric stream when a same-named meter of another host is disposed).
/// </summary>
public sealed class MetricTagSets : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, bool> _series = new(StringComparer.Ordinal);

    public MetricTagSets(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) => Record(instrument, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => Record(instrument, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, _, tags, _) => Record(instrument, tags));
        _listener.Start();
    }

    public IReadOnlyCollection<string> Series => [.. _series.Keys];

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = new StringBuilder(instrument.Name);
        var ordered = tags.ToArray().OrderBy(t => t.Key, StringComparer.Ordinal);
        foreach (var (name, value) in ordered)
        {
            key.Append('|').Append(name).Append('=').Append(value);
        }

        _series.TryAdd(key.ToString(), true);
    }
}
