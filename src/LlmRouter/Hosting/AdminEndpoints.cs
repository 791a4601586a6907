using System.Text.Json;
using LlmRouter.Configuration;
using LlmRouter.Proxy;
using LlmRouter.Resilience;
using LlmRouter.Routing.Stats;
using LlmRouter.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Yarp.ReverseProxy;

namespace LlmRouter.Hosting;

/// <summary>
/// Live state for operators: <c>GET /admin/deployments</c> (live stats, circuit, cooldown, in-flight) and
/// <c>GET /admin/routes</c> (the effective configuration after reloads). Guarded by the admin key; answers 404
/// when no admin key is configured, so an unconfigured gateway exposes nothing.
/// </summary>
internal sealed class AdminEndpoints
{
    private readonly CatalogProvider _catalog;
    private readonly LiveStatsStore _stats;
    private readonly DeploymentCircuitBreakers _breakers;
    private readonly IProxyStateLookup _proxyState;
    private readonly IConfiguration _configuration;

    public AdminEndpoints(CatalogProvider catalog, LiveStatsStore stats, DeploymentCircuitBreakers breakers, IProxyStateLookup proxyState, IConfiguration configuration)
    {
        _catalog = catalog;
        _stats = stats;
        _breakers = breakers;
        _proxyState = proxyState;
        _configuration = configuration;
    }

    public async Task DeploymentsAsync(HttpContext context)
    {
        var catalog = _catalog.Current;
        if (!await AuthorizeAsync(context, catalog))
        {
            return;
        }

        var now = _stats.Time.GetUtcNow();
        var inFlight = DeploymentLoad.InFlightByDeployment(_proxyState);
        await using (var json = StartJson(context))
        {
            json.WriteStartObject();
            json.WriteNumber("catalogVersion", catalog.Version);
            json.WriteString("asOf", now);
            json.WriteStartArray("deployments");
            foreach (var deployment in catalog.Deployments.Values.OrderBy(d => d.Id, StringComparer.Ordinal))
            {
                WriteDeployment(json, deployment, _stats.Get(deployment.Id).Snapshot(now), _breakers.StateOf(deployment.Id), inFlight.GetValueOrDefault(deployment.Id));
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    public async Task RoutesAsync(HttpContext context)
    {
        var catalog = _catalog.Current;
        if (!await AuthorizeAsync(context, catalog))
        {
            return;
        }

        await using (var json = StartJson(context))
        {
            json.WriteStartObject();
            json.WriteNumber("catalogVersion", catalog.Version);
            json.WriteString("loadedAt", catalog.CreatedAt);
            var breaker = catalog.Options.CircuitBreaker;
            json.WriteStartObject("circuitBreaker");
            json.WriteNumber("failureRatio", breaker.FailureRatio);
            json.WriteNumber("minimumThroughput", breaker.MinimumThroughput);
            json.WriteNumber("samplingDurationSeconds", breaker.SamplingDurationSeconds);
            json.WriteNumber("breakDurationSeconds", breaker.BreakDurationSeconds);
            json.WriteEndObject();
            json.WriteStartArray("routes");
            foreach (var route in catalog.Routes.OrderBy(r => r.IsImplicit).ThenBy(r => r.Name, StringComparer.Ordinal))
            {
                WriteRoute(json, route);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    public async Task<bool> AuthorizeAsync(HttpContext context, RouterCatalog catalog)
    {
        var variable = catalog.Options.Admin.ApiKeyVariable;
        var expected = string.IsNullOrWhiteSpace(variable) ? null : _configuration[variable];
        if (string.IsNullOrEmpty(expected))
        {
            // Disabled: indistinguishable from a URL that does not exist.
            await GatewayError.WriteAsync(context, StatusCodes.Status404NotFound,
                $"Invalid URL ({context.Request.Method} {context.Request.Path}).", "invalid_request_error", null, "unknown_url");
            return false;
        }

        if (AdminKeyCheck.Matches(AdminKeyCheck.PresentedKey(context.Request.Headers), expected))
        {
            return true;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        await GatewayError.WriteAsync(context, StatusCodes.Status401Unauthorized,
            $"Invalid or missing admin key. Send it as `Authorization: Bearer <key>` or in the {AdminKeyCheck.KeyHeader} header.",
            "invalid_request_error", null, "invalid_api_key");
        return false;
    }

    private static Utf8JsonWriter StartJson(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return new Utf8JsonWriter(context.Response.BodyWriter);
    }

    private static void WriteDeployment(Utf8JsonWriter json, Deployment deployment, DeploymentStatsSnapshot stats, Polly.CircuitBreaker.CircuitState circuit, int inFlight)
    {
        json.WriteStartObject();
        json.WriteString("id", deployment.Id);
        json.WriteString("provider", deployment.Provider.ToString());
        json.WriteString("model", deployment.UpstreamModel);

        // Authority only: never the path, query or user info a base URL might carry credentials in.
        json.WriteString("baseUrlHost", deployment.IsSimulated ? DeploymentOptions.Simulated : deployment.BaseAddress.Authority);
        json.WriteNumber("weight", deployment.Options.Weight);
        json.WriteString("circuitState", CircuitStateValues.ToName(circuit));
        json.WriteBoolean("coolingDown", stats.IsCoolingDown);
        WriteTime(json, "cooldownUntil", stats.IsCoolingDown ? stats.CooldownUntil : null);
        json.WriteNumber("inFlight", inFlight);
        json.WriteStartObject("stats");
        json.WriteNumber("samples", stats.Samples);
        json.WriteNumber("latencyEwmaMs", Math.Round(stats.LatencyEwmaMs, 3));
        json.WriteNumber("timeToFirstTokenEwmaMs", Math.Round(stats.TimeToFirstTokenEwmaMs, 3));
        json.WriteNumber("errorRate", Math.Round(stats.ErrorRate, 6));
        json.WriteNumber("tokensPerSecond", Math.Round(stats.TokensPerSecond, 3));
        if (stats.LastError is { } lastError)
        {
            json.WriteString("lastError", lastError);
        }
        else
        {
            json.WriteNull("lastError");
        }

        WriteTime(json, "lastErrorAt", stats.LastErrorAt);
        WriteTime(json, "lastSampleAt", stats.LastSampleAt);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteRoute(Utf8JsonWriter json, RouteDefinition route)
    {
        var options = route.Options;
        json.WriteStartObject();
        json.WriteString("name", route.Name);
        json.WriteString("policy", options.Policy);
        json.WriteString("yarpPolicy", route.PolicyName);
        json.WriteBoolean("implicit", route.IsImplicit);
        WriteIds(json, "members", route.Members);
        WriteIds(json, "fallbacks", route.Fallbacks);
        var resilience = options.Resilience;
        json.WriteStartObject("resilience");
        json.WriteNumber("maxAttempts", resilience.MaxAttempts);
        json.WriteNumber("totalTimeoutSeconds", resilience.TotalTimeoutSeconds);
        json.WriteNumber("timeToFirstTokenTimeoutSeconds", resilience.TimeToFirstTokenTimeoutSeconds);
        json.WriteNumber("streamIdleTimeoutSeconds", resilience.StreamIdleTimeoutSeconds);
        json.WriteNumber("backoffMilliseconds", resilience.BackoffMilliseconds);
        json.WriteNumber("retrySameDeploymentWithinSeconds", resilience.RetrySameDeploymentWithinSeconds);
        json.WriteEndObject();
        json.WriteStartArray("hashKeySources");
        foreach (var source in options.HashKeySources)
        {
            json.WriteStringValue(source);
        }

        json.WriteEndArray();
        json.WriteNumber("loadFactor", options.LoadFactor);
        WriteOptional(json, "tieBreaker", options.TieBreaker);
        WriteOptional(json, "defaultPriority", options.DefaultPriority);
        json.WriteNumber("liveWeight", options.LiveWeight);
        json.WriteEndObject();
    }

    private static void WriteIds(Utf8JsonWriter json, string name, IReadOnlyList<Deployment> deployments)
    {
        json.WriteStartArray(name);
        foreach (var deployment in deployments)
        {
            json.WriteStringValue(deployment.Id);
        }

        json.WriteEndArray();
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            json.WriteString(name, time);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
