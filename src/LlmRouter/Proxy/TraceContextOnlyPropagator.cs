using System.Diagnostics;

namespace LlmRouter.Proxy;

/// <summary>
/// Propagates W3C trace context (<c>traceparent</c>, <c>tracestate</c>) to upstreams and nothing else: baggage is
/// client-chosen data that has no business reaching a provider.
/// </summary>
internal sealed class TraceContextOnlyPropagator : DistributedContextPropagator
{
    private static readonly string[] TraceFields = ["traceparent", "tracestate"];

    private readonly DistributedContextPropagator _inner;

    public TraceContextOnlyPropagator(DistributedContextPropagator inner)
    {
        _inner = inner;
    }

    public override IReadOnlyCollection<string> Fields => TraceFields;

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        if (setter is null)
        {
            return;
        }

        _inner.Inject(activity, carrier, (c, name, value) =>
        {
            if (string.Equals(name, "traceparent", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "tracestate", StringComparison.OrdinalIgnoreCase))
            {
                setter(c, name, value);
            }
        });
    }

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
        => _inner.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter)
        => _inner.ExtractBaggage(carrier, getter);
}
