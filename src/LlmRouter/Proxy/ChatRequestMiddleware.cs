using LlmRouter.Configuration;
using LlmRouter.Routing;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Proxy;

/// <summary>
/// First step of the proxy pipeline: read and parse the body once, resolve the model to a route, publish
/// <see cref="ChatRoutingFeature"/> for the policies, and point YARP at the route's cluster.
/// </summary>
internal sealed class ChatRequestMiddleware
{
    private readonly RequestDelegate _next;
    private readonly CatalogProvider _catalog;
    private readonly IProxyStateLookup _proxyState;
    private readonly RequestAccounting _accounting;
    private readonly RequestBodyBudget _bodyBudget;
    private readonly Func<object, Task> _recordRequest;

    public ChatRequestMiddleware(RequestDelegate next, CatalogProvider catalog, IProxyStateLookup proxyState, RequestAccounting accounting, RequestBodyBudget bodyBudget)
    {
        _bodyBudget = bodyBudget;
        _next = next;
        _catalog = catalog;
        _proxyState = proxyState;
        _accounting = accounting;
        _recordRequest = RecordRequest;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.GetReverseProxyFeature().Route.Config.RouteId.StartsWith(ProxyIds.Prefix, StringComparison.Ordinal))
        {
            // A plain YARP route configured beside LlmRouter's: not a chat request.
            await _next(context);
            return;
        }

        var catalog = _catalog.Current;
        context.Response.OnCompleted(_recordRequest, context);
        var routing = await ChatRequestIntake.ReadAsync(context, catalog, _bodyBudget);
        if (routing is null)
        {
            return;
        }

        var route = routing.Route;
        using (routing.Request)
        {
            if (!_proxyState.TryGetRoute(ProxyIds.YarpRouteId(route.ClusterId), out var yarpRoute)
                || !_proxyState.TryGetCluster(route.ClusterId, out var cluster))
            {
                await GatewayError.WriteRouteNotReadyAsync(context, route.Name);
                return;
            }

            context.Features.Set(routing);
            context.ReassignProxyRequest(yarpRoute, cluster);
            await _next(context);
        }
    }

    private Task RecordRequest(object state)
    {
        _accounting.RecordRequest((HttpContext)state);
        return Task.CompletedTask;
    }
}
