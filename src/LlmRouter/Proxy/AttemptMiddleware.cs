using System.Globalization;
using LlmRouter.Configuration;
using LlmRouter.Providers;
using LlmRouter.Resilience;
using LlmRouter.Routing;
using Microsoft.AspNetCore.Http;
using Polly.CircuitBreaker;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Proxy;

/// <summary>
/// Wraps load balancing and forwarding in the route's Polly retry pipeline. Before anything reaches the client,
/// a retryable failure picks again with the route's policy among members that have not failed, are not cooling
/// down and whose circuit is not open, then walks the route's fallbacks. When every candidate is cooling down
/// the client gets 429 with the smallest Retry-After instead of the gateway hammering upstreams.
/// </summary>
internal sealed class AttemptMiddleware
{
    private readonly RequestDelegate _next;
    private readonly IProxyStateLookup _proxyState;
    private readonly RequestAccounting _accounting;
    private readonly RetryPipelines _pipelines;
    private readonly CandidateFilter _candidates;
    private readonly TimeProvider _time;

    public AttemptMiddleware(RequestDelegate next, IProxyStateLookup proxyState, RequestAccounting accounting, RetryPipelines pipelines,
        CandidateFilter candidates, TimeProvider time)
    {
        _next = next;
        _proxyState = proxyState;
        _accounting = accounting;
        _pipelines = pipelines;
        _candidates = candidates;
        _time = time;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var routing = context.Features.Get<ChatRoutingFeature>();
        if (routing is null || context.Features.Get<IReverseProxyFeature>() is null)
        {
            await _next(context);
            return;
        }

        var resilience = routing.Route.Options.Resilience;
        var clientAborted = context.RequestAborted;
        var state = new ForwardingState(resilience.MaxAttempts, _time.GetUtcNow() + TimeSpan.FromSeconds(resilience.TotalTimeoutSeconds))
        {
            ClientAborted = clientAborted,
        };
        context.Features.Set(state);

        var attempt = new AttemptScope(this, context, routing, state, clientAborted);
        AttemptOutcome outcome;
        try
        {
            outcome = await _pipelines.For(routing.Route).ExecuteAsync(static (scope, _) => scope.RunAsync(), attempt, clientAborted);
        }
        catch (OperationCanceledException) when (clientAborted.IsCancellationRequested)
        {
            return;
        }
        finally
        {
            context.RequestAborted = clientAborted;
        }

        if (context.Response.HasStarted || clientAborted.IsCancellationRequested)
        {
            return;
        }

        if (outcome.NoCandidates && state.LastError is null)
        {
            await WriteNoCandidatesAsync(context, outcome.SoonestRetry);
        }
        else if (outcome.Retry || outcome.NoCandidates || outcome.Error is not null)
        {
            await WriteErrorAsync(context, state, outcome.Error ?? state.LastError);
        }
    }

    private async ValueTask<AttemptOutcome> RunAttemptAsync(AttemptScope scope)
    {
        var (context, routing, state) = (scope.Context, scope.Routing, scope.State);
        if (state.Attempts > 0)
        {
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            ResetCandidates(context, routing, context.GetReverseProxyFeature(), state);
        }

        // ReassignProxyRequest (fallbacks) installs a new feature: always work on the current one.
        var proxy = context.GetReverseProxyFeature();

        var remaining = state.Deadline - _time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return new AttemptOutcome(false, new UpstreamError(504, "The request exceeded the route's total timeout.", "server_error", "timeout"));
        }

        var candidates = _candidates.Eligible(proxy.AvailableDestinations, state.Failed, state.Deployment?.Id, out var soonestRetry);
        while (candidates.Count == 0 && state.NextFallback < routing.Route.Fallbacks.Count)
        {
            if (TryReassignToDeployment(context, routing.Route.Fallbacks[state.NextFallback++], routing))
            {
                proxy = context.GetReverseProxyFeature();
                candidates = _candidates.Eligible(proxy.AvailableDestinations, state.Failed, state.Deployment?.Id, out var fallbackRetry);
                soonestRetry = Min(soonestRetry, fallbackRetry);
            }
        }

        if (candidates.Count == 0)
        {
            return new AttemptOutcome(false, state.LastError, NoCandidates: true, SoonestRetry: soonestRetry);
        }

        // The wait for a short Retry-After was for this deployment: the retry goes back to it, not to whichever the policy picks.
        if (state.Attempts > 0 && state.Deployment is { } waited && WillWaitForSameDeployment(routing, state.LastError))
        {
            foreach (var candidate in candidates)
            {
                if (candidate.DestinationId == waited.Id)
                {
                    candidates = [candidate];
                    break;
                }
            }
        }

        proxy.AvailableDestinations = candidates;

        // YARP cancels the upstream call through RequestAborted; a per-attempt token adds the time-to-first-token
        // limit. The response transform disarms it once headers arrive (streams then time themselves).
        using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(scope.ClientAborted);
        var timeToFirstToken = TimeSpan.FromSeconds(routing.Route.Options.Resilience.TimeToFirstTokenTimeoutSeconds);
        attemptTimeout.CancelAfter(timeToFirstToken < remaining ? timeToFirstToken : remaining);
        state.AttemptTimeout = attemptTimeout;
        context.RequestAborted = attemptTimeout.Token;
        try
        {
            await _next(context);
        }
        catch (BrokenCircuitException)
        {
            // Half-open and its one probe is already under way: this request tries elsewhere, and an earlier
            // short Retry-After no longer pins it to this deployment.
            state.RetryRequested = true;
            if (state.Deployment is { } busy)
            {
                state.MarkFailed(busy.Id);
                state.LastError = new UpstreamError(503, $"The deployment `{busy.Id}` is being probed after its circuit opened.", "server_error", "circuit_open");
            }
        }
        finally
        {
            context.RequestAborted = scope.ClientAborted;
            state.AttemptTimeout = null;
        }

        if (context.Response.HasStarted || scope.ClientAborted.IsCancellationRequested)
        {
            return AttemptOutcome.Done;
        }

        var forwarderError = context.Features.Get<IForwarderErrorFeature>();
        if (forwarderError is not null && state.Deployment is { } deployment && !state.RetryRequested)
        {
            var timedOut = attemptTimeout.IsCancellationRequested || forwarderError.Error == ForwarderError.RequestTimedOut;
            var error = timedOut
                ? new UpstreamError(504, $"The deployment `{deployment.Id}` did not answer within the time-to-first-token limit.", "server_error", "timeout")
                : new UpstreamError(502, $"The deployment `{deployment.Id}` could not be reached ({forwarderError.Error}).", "server_error", "upstream_unavailable");
            _accounting.RecordAttempt(context, state, new AttemptResult(false, 0, Error: error));
            state.RetryRequested = true;
        }

        if (!state.RetryRequested)
        {
            return AttemptOutcome.Done;
        }

        if (state.Deployment is { } failed && !WillWaitForSameDeployment(routing, state.LastError))
        {
            state.MarkFailed(failed.Id);
        }

        return new AttemptOutcome(true, state.LastError);
    }

    private static bool WillWaitForSameDeployment(ChatRoutingFeature routing, UpstreamError? error)
        => error?.RetryAfter is { } wait && wait.TotalSeconds <= routing.Route.Options.Resilience.RetrySameDeploymentWithinSeconds;

    private void ResetCandidates(HttpContext context, ChatRoutingFeature routing, IReverseProxyFeature proxy, ForwardingState state)
    {
        if (state.NextFallback == 0)
        {
            if (_proxyState.TryGetCluster(routing.Route.ClusterId, out var cluster))
            {
                proxy.AvailableDestinations = cluster.DestinationsState.AvailableDestinations;
            }
        }
        else
        {
            TryReassignToDeployment(context, routing.Route.Fallbacks[state.NextFallback - 1], routing);
        }
    }

    private bool TryReassignToDeployment(HttpContext context, Deployment deployment, ChatRoutingFeature routing)
    {
        if (!routing.Catalog.TryGetDeploymentRoute(deployment.Id, out var implicitRoute)
            || !_proxyState.TryGetRoute(ProxyIds.YarpRouteId(implicitRoute.ClusterId), out var yarpRoute)
            || !_proxyState.TryGetCluster(implicitRoute.ClusterId, out var cluster))
        {
            return false;
        }

        context.ReassignProxyRequest(yarpRoute, cluster);
        return true;
    }

    private static Task WriteNoCandidatesAsync(HttpContext context, TimeSpan? soonestRetry)
    {
        if (soonestRetry is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return GatewayError.WriteAsync(context, StatusCodes.Status429TooManyRequests,
                "Every deployment of this route is cooling down after rate limiting; retry after the indicated time.", "rate_limit_error", null, "rate_limit_exceeded");
        }

        return GatewayError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
            "No deployment of this route is available (circuits open).", "server_error", null, "no_available_deployment");
    }

    private static Task WriteErrorAsync(HttpContext context, ForwardingState state, UpstreamError? error)
    {
        error ??= new UpstreamError(502, "The upstream request failed.", "server_error", "upstream_error");
        context.Response.Clear();
        if (error.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        if (state.Deployment is { } deployment)
        {
            context.Response.Headers[ProxyIds.DeploymentHeader] = deployment.Id;
        }

        context.Response.Headers[ProxyIds.AttemptsHeader] = state.Attempts.ToString(CultureInfo.InvariantCulture);
        foreach (var (name, value) in state.LastErrorHeaders)
        {
            context.Response.Headers[name] = value;
        }

        return GatewayError.WriteAsync(context, error.StatusCode, error.Message, error.Type, error.Param, error.Code);
    }

    private static TimeSpan? Min(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : (a < b ? a : b);

    /// <summary>Everything one request's attempts share, passed through Polly without a closure.</summary>
    private sealed record AttemptScope(AttemptMiddleware Middleware, HttpContext Context, ChatRoutingFeature Routing, ForwardingState State,
        CancellationToken ClientAborted)
    {
        public ValueTask<AttemptOutcome> RunAsync() => Middleware.RunAttemptAsync(this);
    }
}
