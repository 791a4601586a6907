using LlmRouter.Auth;
using LlmRouter.Configuration;
using LlmRouter.Hosting;
using LlmRouter.Limits;
using LlmRouter.Proxy;
using LlmRouter.Routing.Stats;
using LlmRouter.Telemetry;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Serilog;

// Beside WebApplication so hosts find it without an extra using.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps LlmRouter's endpoints: <c>app.MapLlmRouter()</c>.</summary>
public static class LlmRouterApplicationExtensions
{
    private static readonly string[] NonPostMethods = ["GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    private static readonly string[] NonGetMethods = ["POST", "PUT", "PATCH", "DELETE"];

    /// <summary>
    /// Adds error handling and request logging, then maps <c>POST /v1/chat/completions</c> (through YARP),
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

        app.UseExceptionHandler(error => error.Run(WriteUnhandledErrorAsync));
        var requestLogger = app.Services.GetService<Serilog.ILogger>();
        app.UseSerilogRequestLogging(options => RequestLogging.Configure(options, requestLogger));
        app.UseMiddleware<GatewayAuthMiddleware>();

        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/healthz", () => Results.Json(new { status = "ok" }));
        app.MapGet("/readyz", Ready);
        app.MapGet("/v1/models", ModelsEndpoints.ListAsync);
        app.MapGet("/v1/models/{id}", ModelsEndpoints.GetAsync);
        app.MapMethods("/v1/models", NonGetMethods, MethodNotAllowed);
        app.MapMethods("/v1/models/{id}", NonGetMethods, MethodNotAllowed);
        app.MapMethods(ProxyIds.ChatPath, NonPostMethods, MethodNotAllowed);
        app.MapPost("/v1/router/decide", (HttpContext context, RouterDecideEndpoint endpoint) => endpoint.HandleAsync(context));
        app.MapMethods("/v1/router/decide", NonPostMethods, MethodNotAllowed);
        app.MapGet("/admin/deployments", (HttpContext context, AdminEndpoints admin) => admin.DeploymentsAsync(context));
        app.MapGet("/admin/routes", (HttpContext context, AdminEndpoints admin) => admin.RoutesAsync(context));
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

        app.MapFallback(context => GatewayError.WriteAsync(context, StatusCodes.Status404NotFound,
            $"Invalid URL ({context.Request.Method} {context.Request.Path}).", "invalid_request_error", null, "unknown_url"));
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

    private static Task MethodNotAllowed(HttpContext context)
        => GatewayError.WriteAsync(context, StatusCodes.Status405MethodNotAllowed,
            $"Method {context.Request.Method} is not allowed on {context.Request.Path}.", "invalid_request_error", null, "method_not_allowed");

    private static Task WriteUnhandledErrorAsync(HttpContext context)
    {
        // The exception is logged by the exception handler; the client sees no detail of it.
        var isBadRequest = context.Features.Get<IExceptionHandlerFeature>()?.Error is BadHttpRequestException;
        return isBadRequest
            ? GatewayError.WriteAsync(context, StatusCodes.Status400BadRequest, "The request could not be read.", "invalid_request_error")
            : GatewayError.WriteAsync(context, StatusCodes.Status500InternalServerError, "The gateway failed to process the request.", "server_error");
    }
}
