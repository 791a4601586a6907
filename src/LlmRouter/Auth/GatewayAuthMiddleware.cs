using LlmRouter.Hosting;
using LlmRouter.Proxy;
using LlmRouter.Telemetry;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Auth;

/// <summary>
/// Authenticates every <c>/v1/*</c> request once keys exist: <c>Authorization: Bearer</c> (OpenAI SDKs) or
/// <c>x-api-key</c> (Anthropic SDKs), compared by SHA-256 hash. The key headers are removed before anything
/// else runs, so the client's key never reaches a provider or a log.
/// </summary>
internal sealed class GatewayAuthMiddleware
{
    private const string ApiKeyHeader = "x-api-key";

    private readonly RequestDelegate _next;
    private readonly KeyDirectory _keys;
    private readonly TenantMetrics _metrics;

    public GatewayAuthMiddleware(RequestDelegate next, KeyDirectory keys, TenantMetrics metrics)
    {
        _next = next;
        _keys = keys;
        _metrics = metrics;
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1") || !_keys.IsEnforced)
        {
            return _next(context);
        }

        var headers = context.Request.Headers;
        var presented = AdminKeyCheck.BearerToken(headers) ?? AdminKeyCheck.HeaderValue(headers, ApiKeyHeader);
        headers.Authorization = default;
        headers.Remove(ApiKeyHeader);
        var key = presented is null ? null : _keys.Find(presented);
        if (key is null)
        {
            _metrics.Rejected(TenantMetrics.Unknown, null, "auth");
            context.Response.Headers.WWWAuthenticate = "Bearer";
            var message = presented is null
                ? "You didn't provide an API key. Send a gateway key as `Authorization: Bearer <key>` or in the x-api-key header."
                : "Incorrect API key provided.";
            return GatewayError.WriteAsync(context, StatusCodes.Status401Unauthorized, message, "invalid_request_error", null, "invalid_api_key");
        }

        context.Features.Set(new GatewayKeyFeature(key));
        return _next(context);
    }
}
