using System.Diagnostics;

namespace LlmRouter.Proxy;

/// <summary>
/// Propagates W3C trace context (<c>traceparent</c>, <c>tracestate</c>) to upstreams and nothing else: baggage is
/// client-chosen data that has no business reaching a provider, and hierarchical <c>Request-Id</c>s are not W3C.
/// </summary>
internal sealed class TraceContextOnlyPropagator : DistributedContextPropagator
{
    private static readonly string[] TraceFields = ["traceparent", "tracestate"];

    private static readonly DistributedContextPropagator Extractor = CreateDefaultPropagator();

    public override IReadOnlyCollection<string> Fields => TraceFields;

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        if (activity is not { IdFormat: ActivityIdFormat.W3C } || setter is null || activity.Id is not { } id)
        {
            return;
        }

        setter(carrier, "traceparent", id);
        if (activity.TraceStateString is { } state)
        {
            setter(carrier, "tracestate", state);
        }
    }

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
        => Extractor.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter)
        => Extractor.ExtractBaggage(carrier, getter);
}
