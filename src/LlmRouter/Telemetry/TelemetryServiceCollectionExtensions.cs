using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LlmRouter.Telemetry;

/// <summary>OpenTelemetry wiring: metrics to Prometheus (<c>/metrics</c>), traces to OTLP when an endpoint is configured.</summary>
internal static class TelemetryServiceCollectionExtensions
{
    public static IServiceCollection AddLlmRouterTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<MetricLabels>();
        services.TryAddSingleton<GatewayMetrics>();
        services.TryAddSingleton<DeploymentGauges>();
        services.TryAddSingleton<LogQueueMonitor>();
        var otlpEndpoint = configuration["LlmRouter:Telemetry:OtlpEndpoint"];

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("llmrouter"))
            // The framework's own HTTP server and client meters (their instruments carry their bucket advice). The
            // instrumentation packages would add the same meters plus a per-request middleware for one tag.
            .WithMetrics(metrics => metrics
                .AddMeter(GatewayMetrics.MeterName, "Polly", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http")
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        // Spans are recorded only when they have somewhere to go: a sampled span per request and per attempt
        // costs measurable throughput. Trace context (W3C traceparent, log trace ids) flows either way.
        if (!string.IsNullOrWhiteSpace(otlpEndpoint))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(GatewayTracing.SourceName)
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !context.Request.Path.StartsWithSegments("/metrics"))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter(options => options.Endpoint = new Uri(otlpEndpoint)));
        }

        return services;
    }
}
