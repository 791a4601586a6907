using Microsoft.Extensions.Configuration;

namespace LlmRouter.Proxy;

/// <summary>
/// Who writes W3C trace context on upstream requests. With spans exported (an OTLP endpoint), the HTTP client does:
/// it records a client span per attempt and makes it the upstream's parent. Without, no span would go anywhere, so
/// the client gets no diagnostics handler (an Activity, a propagator call and an async layer per attempt) and the
/// header stage writes the request's own trace context instead — the same trace id the request log carries.
/// </summary>
internal sealed class UpstreamTracing
{
    public UpstreamTracing(IConfiguration configuration)
    {
        HandlerPropagates = !string.IsNullOrWhiteSpace(configuration["LlmRouter:Telemetry:OtlpEndpoint"]);
    }

    /// <summary>The HTTP client records a span per attempt and injects its context.</summary>
    public bool HandlerPropagates { get; }
}
