using LlmRouter.Auth;
using LlmRouter.Configuration;
using LlmRouter.Hosting;
using LlmRouter.Limits;
using LlmRouter.Protocols;
using LlmRouter.Protocols.Anthropic;
using LlmRouter.Proxy;
using LlmRouter.Routing.Stats;
using LlmRouter.Telemetry;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

// Beside WebApplication so hosts find it without an extra using.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps LlmRouter's endpoints: <c>app.MapLlmRouter()</c>.</summary>
public static class LlmRouterApplicationExtensions
{
    /// <summary>
    /// Adds the <c>x-llmrouter-instance</c> response header, error handling and request logging, then maps <c>POST /v1/chat/completions</c>
    /// and <c>POST /v1/messages</c> (through YARP), <c>POST /v1/messages/count_tokens</c>,
    /// <c>/v1/models</c>, <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> and the key-protected <c>/admin/deployments</c>
    /// and <c>/admin/routes</c>. Fails the start with a readable message when the
    /// configuration is invalid.
    /// </summary>
    public static WebApplication MapLlmRouter(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // Resolve now so configuration mistakes stop the start instead of the first request.
        app.Services.GetRequiredService<CatalogProvider>();
        app.Services.GetRequiredService<DeploymentGauges>();
        app.Services.GetRequiredService<TenantMetrics>();
        GatewayAuthStartup.Announce(app.Services);

        app.UseMiddleware<InstanceHeaderMiddleware>();
        app.UseExceptionHandler(error => error.Run(WriteUnhandledErrorAsync));
        if (app.Services.GetService<Serilog.ILogger>() is { } requestLogger)
        {
            app.UseMiddleware<RequestLogMiddleware>(requestLogger);
        }
        app.UseMiddleware<GatewayAuthMiddleware>();

        // Any error status that would leave without a body (routing, framework components) gets an OpenAI-style one.
        app.UseStatusCodePages(StatusCodeErrors.WriteAsync);
        app.UseMiddleware<RequestShapeMiddleware>();

        app.MapPrometheusScrapingEndpoint("/metrics").WithMetadata(new HttpMethodMetadata(EndpointMethods.ReadOnly));
        app.MapMethods("/healthz", EndpointMethods.ReadOnly, () => Results.Json(new { status = "ok" }));
        app.MapMethods("/readyz", EndpointMethods.ReadOnly, Ready);
        app.MapMethods("/v1/models", EndpointMethods.ReadOnly, ModelsEndpoints.ListAsync);
        app.MapMethods("/v1/models/{id}", EndpointMethods.ReadOnly, ModelsEndpoints.GetAsync);
        app.MapPost(ClientProtocols.CountTokensPath, (HttpContext context, AnthropicCountTokensEndpoint endpoint) => endpoint.HandleAsync(context));
        app.MapPost("/v1/router/decide", (HttpContext context, RouterDecideEndpoint endpoint) => endpoint.HandleAsync(context));
        app.MapMethods("/admin/deployments", EndpointMethods.ReadOnly, (HttpContext context, AdminEndpoints admin) => admin.DeploymentsAsync(context));
        app.MapMethods("/admin/routes", EndpointMethods.ReadOnly, (HttpContext context, AdminEndpoints admin) => admin.RoutesAsync(context));
        app.MapPost("/admin/keys", (HttpContext context, KeysEndpoints keys) => keys.CreateAsync(context));
        app.MapGet("/admin/keys", (HttpContext context, KeysEndpoints keys) => keys.ListAsync(context));
        app.MapDelete("/admin/keys/{name}", (HttpContext context, string name, KeysEndpoints keys) => keys.DeleteAsync(context, name));

        app.MapReverseProxy(pipeline =>
        {
            pipeline.UseMiddleware<ChatRequestMiddleware>();
            pipeline.UseMiddleware<AdmissionMiddleware>();
            pipeline.UseMiddleware<AttemptMiddleware>();
            pipeline.UseLoadBalancing();
            pipeline.UseMiddleware<UpstreamRequestMiddleware>();
        });

        // Every path, dotted ones included (the default fallback pattern skips "file" paths): 405 or 404 as JSON.
        app.MapFallback("{**path}", EndpointMethods.WriteFallbackAsync);
        return app;
    }

    private static IResult Ready(CatalogProvider catalogProvider, LiveStatsStore stats, KeyDirectory keys, FleetState fleet)
    {
        var catalog = catalogProvider.Current;
        var usable = catalog.Deployments.Values.Count(d => !stats.Get(d.Id).Snapshot().IsCoolingDown);

        // "open": no gateway key is configured, anyone who can reach the gateway spends its provider keys.
        var auth = keys.IsEnforced ? "keys" : "open";
        var limits = fleet.IsDegraded ? "degraded" : fleet.StoreName;
        return usable > 0
            ? Results.Json(new { status = "ready", catalogVersion = catalog.Version, deployments = catalog.Deployments.Count, usable, auth, limits })
            : Results.Json(new { status = "unavailable", catalogVersion = catalog.Version, deployments = catalog.Deployments.Count, usable, auth, limits }, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static Task WriteUnhandledErrorAsync(HttpContext context)
    {
        // The exception is logged by the exception handler; the client sees no detail of it.
        return context.Features.Get<IExceptionHandlerFeature>()?.Error is BadHttpRequestException badRequest
            ? StatusCodeErrors.WriteAsync(context, badRequest.StatusCode)
            : GatewayError.WriteAsync(context, StatusCodes.Status500InternalServerError, "The gateway failed to process the request.", "server_error");
    }
}
