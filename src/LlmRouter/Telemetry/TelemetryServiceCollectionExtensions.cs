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
        services.TryAddSingleton<GatewayMetrics>();
        services.TryAddSingleton<DeploymentGauges>();
        var otlpEndpoint = configuration["LlmRouter:Telemetry:OtlpEndpoint"];

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("llmrouter"))
            .WithMetrics(metrics => metrics
                .AddMeter(GatewayMetrics.MeterName, "Polly")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter())
            .WithTracing(tracing =>
            {
                tracing.AddSource(GatewayTracing.SourceName)
                    .AddAspNetCoreInstrumentation(options => options.Filter = context => !context.Request.Path.StartsWithSegments("/metrics"))
                    .AddHttpClientInstrumentation();
                if (!string.IsNullOrWhiteSpace(otlpEndpoint))
                {
                    tracing.AddOtlpExporter(options => options.Endpoint = new Uri(otlpEndpoint));
                }
            });
        return services;
    }
}
