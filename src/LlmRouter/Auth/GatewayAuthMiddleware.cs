using LlmRouter.Hosting;
using LlmRouter.Limits;
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
    private readonly RateLimitPeek _peek;

    public GatewayAuthMiddleware(RequestDelegate next, KeyDirectory keys, TenantMetrics metrics, RateLimitPeek peek)
    {
        _next = next;
        _keys = keys;
        _metrics = metrics;
        _peek = peek;
    }

    // Not async on the way through: a request that needs no await here allocates no state machine.
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

        // Chat completions and messages get the headers from admission, which reserves at the same time.
        if (!context.Request.Path.Equals(ProxyIds.ChatPath, StringComparison.OrdinalIgnoreCase)
            && !context.Request.Path.Equals(Protocols.ClientProtocols.MessagesPath, StringComparison.OrdinalIgnoreCase))
        {
            return PeekThenNextAsync(context, key);
        }

        return _next(context);
    }

    private async Task PeekThenNextAsync(HttpContext context, GatewayKey key)
    {
        await _peek.SetHeadersAsync(context, key);
        await _next(context);
    }
}
