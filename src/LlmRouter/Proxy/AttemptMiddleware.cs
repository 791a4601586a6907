using LlmRouter.Configuration;
using LlmRouter.Routing;
using LlmRouter.Routing.Stats;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Proxy;

/// <summary>
/// Wraps load balancing and forwarding in bounded attempts. Before anything reaches the client, a retryable
/// failure picks again with the route's policy among the members that have not failed and are not cooling
/// down, then walks the route's fallbacks. When every candidate is cooling down the client gets 429 with the
/// smallest Retry-After instead of the gateway hammering upstreams.
/// </summary>
internal sealed class AttemptMiddleware
{
    private const int DefaultMaxAttempts = 3;

    private readonly RequestDelegate _next;
    private readonly IProxyStateLookup _proxyState;
    private readonly LiveStatsStore _stats;
    private readonly RequestAccounting _accounting;

    public AttemptMiddleware(RequestDelegate next, IProxyStateLookup proxyState, LiveStatsStore stats, RequestAccounting accounting)
    {
        _next = next;
        _proxyState = proxyState;
        _stats = stats;
        _accounting = accounting;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var routing = context.Features.Get<ChatRoutingFeature>();
        var proxy = context.Features.Get<IReverseProxyFeature>();
        if (routing is null || proxy is null)
        {
            await _next(context);
            return;
        }

        var route = routing.Route;
        var state = new ForwardingState(Math.Min(DefaultMaxAttempts, route.Members.Count + route.Fallbacks.Count));
        context.Features.Set(state);
        var fallbackIndex = 0;

        while (true)
        {
            var candidates = Eligible(proxy.AvailableDestinations, state, out var soonestRetry);
            while (candidates.Count == 0 && fallbackIndex < route.Fallbacks.Count)
            {
                if (!TryReassignToDeployment(context, route.Fallbacks[fallbackIndex++], routing))
                {
                    continue;
                }

                candidates = Eligible(proxy.AvailableDestinations, state, out var fallbackRetry);
                soonestRetry = Min(soonestRetry, fallbackRetry);
            }

            if (candidates.Count == 0)
            {
                await WriteExhaustedAsync(context, state, soonestRetry);
                return;
            }

            proxy.AvailableDestinations = candidates;
            await _next(context);

            var forwarderError = context.Features.Get<IForwarderErrorFeature>();
            var connectionFailed = forwarderError is not null && state.Deployment is not null && !context.Response.HasStarted;
            if (!state.RetryRequested && !connectionFailed)
            {
                return;
            }

            if (state.Deployment is { } failed)
            {
                state.Failed.Add(failed.Id);
            }

            if (connectionFailed)
            {
                var error = new Providers.UpstreamError(forwarderError!.Error == ForwarderError.RequestTimedOut ? 504 : 502,
                    $"The upstream deployment `{state.Deployment!.Id}` could not be reached ({forwarderError.Error}).", "server_error", "upstream_unavailable");
                _accounting.RecordAttempt(context, state, new AttemptResult(false, 0, Error: error));
            }

            if (!state.MoreAttemptsAllowed || context.RequestAborted.IsCancellationRequested)
            {
                await WriteLastErrorAsync(context, state);
                return;
            }

            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            if (_proxyState.TryGetCluster(route.ClusterId, out var cluster) && fallbackIndex == 0)
            {
                proxy.AvailableDestinations = cluster.DestinationsState.AvailableDestinations;
            }
        }
    }

    private List<DestinationState> Eligible(IReadOnlyList<DestinationState> destinations, ForwardingState state, out TimeSpan? soonestRetry)
    {
        soonestRetry = null;
        var eligible = new List<DestinationState>(destinations.Count);
        foreach (var destination in destinations)
        {
            if (state.Failed.Contains(destination.DestinationId))
            {
                continue;
            }

            var snapshot = _stats.Get(destination.DestinationId).Snapshot();
            if (snapshot.IsCoolingDown)
            {
                soonestRetry = Min(soonestRetry, snapshot.CooldownUntil!.Value - snapshot.AsOf);
                continue;
            }

            eligible.Add(destination);
        }

        return eligible;
    }

    private bool TryReassignToDeployment(HttpContext context, Deployment deployment, ChatRoutingFeature routing)
    {
        if (!routing.Catalog.TryGetRoute(deployment.Id, out var implicitRoute) || !implicitRoute.IsImplicit
            || !_proxyState.TryGetRoute(ProxyIds.YarpRouteId(implicitRoute.ClusterId), out var yarpRoute)
            || !_proxyState.TryGetCluster(implicitRoute.ClusterId, out var cluster))
        {
            return false;
        }

        context.ReassignProxyRequest(yarpRoute, cluster);
        return true;
    }

    private static Task WriteExhaustedAsync(HttpContext context, ForwardingState state, TimeSpan? soonestRetry)
    {
        if (state.LastError is not null)
        {
            return WriteLastErrorAsync(context, state);
        }

        if (soonestRetry is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return GatewayError.WriteAsync(context, StatusCodes.Status429TooManyRequests,
                "Every deployment of this route is cooling down after rate limiting; retry after the indicated time.", "rate_limit_error", null, "rate_limit_exceeded");
        }

        return GatewayError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
            "No deployment of this route is available.", "server_error", null, "no_available_deployment");
    }

    private static Task WriteLastErrorAsync(HttpContext context, ForwardingState state)
    {
        var error = state.LastError ?? new Providers.UpstreamError(502, "The upstream request failed.", "server_error", "upstream_error");
        context.Response.Clear();
        if (error.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        context.Response.Headers[ProxyIds.AttemptsHeader] = state.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return GatewayError.WriteAsync(context, error.StatusCode, error.Message, error.Type, error.Param, error.Code);
    }

    private static TimeSpan? Min(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : (a < b ? a : b);
}
