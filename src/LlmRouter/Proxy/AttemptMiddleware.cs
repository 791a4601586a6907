using System.Globalization;
using LlmRouter.Configuration;
using LlmRouter.Providers;
using LlmRouter.Proxy.Attempts;
using LlmRouter.Resilience;
using LlmRouter.Routing;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Proxy;

/// <summary>
/// The attempt loop, and the only place that decides what happens after an attempt. Each pass filters the route's
/// members (failed, cooling down, open circuit), walks the fallbacks when none is left, lets YARP's load balancing
/// pick and the forward stage send; the attempt reports one <see cref="AttemptResult"/>, accounting records it and
/// <see cref="AttemptPolicy"/> says retry, answer or done. Nothing reaches the client before an attempt's first
/// token, so every earlier failure can be retried. When every candidate is cooling down the client gets 429 with
/// the smallest Retry-After instead of the gateway hammering upstreams.
/// </summary>
internal sealed class AttemptMiddleware
{
    private readonly RequestDelegate _next;
    private readonly IProxyStateLookup _proxyState;
    private readonly RequestAccounting _accounting;
    private readonly CandidateFilter _candidates;
    private readonly TimeProvider _time;

    public AttemptMiddleware(RequestDelegate next, IProxyStateLookup proxyState, RequestAccounting accounting, CandidateFilter candidates, TimeProvider time)
    {
        _next = next;
        _proxyState = proxyState;
        _accounting = accounting;
        _candidates = candidates;
        _time = time;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var routing = context.Features.Get<ChatRoutingFeature>();
        return routing is null || context.Features.Get<IReverseProxyFeature>() is null ? _next(context) : RunAsync(context, routing);
    }

    /// <summary>The request's attempts, and what is restored whatever happens to them.</summary>
    private async Task RunAsync(HttpContext context, ChatRoutingFeature routing)
    {
        var resilience = routing.Route.Options.Resilience;
        var clientAborted = context.RequestAborted;
        var attempts = new RequestAttempts(_time.GetUtcNow() + TimeSpan.FromSeconds(resilience.TotalTimeoutSeconds));
        context.Features.Set(attempts);
        try
        {
            await RunAttemptsAsync(context, routing, attempts, clientAborted);
        }
        catch (OperationCanceledException) when (clientAborted.IsCancellationRequested)
        {
            // The client left during a backoff: nobody to answer.
        }
        finally
        {
            context.RequestAborted = clientAborted;
            context.Features.Set<UpstreamAttempt>(null);
        }
    }

    private async Task RunAttemptsAsync(HttpContext context, ChatRoutingFeature routing, RequestAttempts attempts, CancellationToken clientAborted)
    {
        var resilience = routing.Route.Options.Resilience;
        var firstTokenTimeout = TimeSpan.FromSeconds(resilience.TimeToFirstTokenTimeoutSeconds);
        for (var pass = 0; ; pass++)
        {
            if (pass > 0)
            {
                context.Features.Set<IForwarderErrorFeature>(null);
                context.Response.Clear();
                ResetCandidates(context, routing, attempts);
            }

            var remaining = attempts.Deadline - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                await WriteErrorAsync(context, attempts, attempts.LastFailure ?? AttemptResult.Failed(
                    new UpstreamError(504, "The request exceeded the route's total timeout.", "server_error", "timeout")));
                return;
            }

            if (!SelectCandidates(context, routing, attempts, out var soonestRetry))
            {
                if (attempts.LastFailure is { } last)
                {
                    await WriteErrorAsync(context, attempts, last);
                }
                else
                {
                    await WriteNoCandidatesAsync(context, soonestRetry);
                }

                return;
            }

            AttemptResult result;
            using (var attempt = new UpstreamAttempt(attempts.Sent + 1, firstTokenTimeout < remaining ? firstTokenTimeout : remaining, _time, clientAborted))
            {
                // YARP cancels the upstream call through RequestAborted: the attempt's token adds the first-token limit.
                context.Features.Set(attempt);
                context.RequestAborted = attempt.Token;
                try
                {
                    await _next(context);
                }
                finally
                {
                    context.RequestAborted = clientAborted;
                }

                result = attempt.Result ?? AttemptResult.Aborted();
                _accounting.RecordAttempt(routing.Route.Name, routing.Catalog.Options.Limits, attempt, result);
                var decision = AttemptPolicy.Decide(result, attempts.Sent + (attempt.Started ? 1 : 0), attempts.LastError, resilience,
                    attempts.Deadline - _time.GetUtcNow(), Random.Shared.NextDouble());
                attempts.Record(attempt, result, decision);

                if (clientAborted.IsCancellationRequested || decision.Action == AttemptAction.Done)
                {
                    return;
                }

                if (decision.Action == AttemptAction.Answer)
                {
                    // The answer is this attempt's error, or an earlier failure this attempt could not improve on.
                    var answer = ReferenceEquals(decision.Error, result.Error) ? result : attempts.LastFailure ?? result with { Error = decision.Error };
                    await WriteErrorAsync(context, attempts, answer);
                    return;
                }

                if (decision.Delay > TimeSpan.Zero)
                {
                    await Task.Delay(decision.Delay, _time, clientAborted);
                }
            }
        }
    }

    /// <summary>Narrows the proxy feature's destinations to those that may take an attempt; walks fallbacks when none may.</summary>
    private bool SelectCandidates(HttpContext context, ChatRoutingFeature routing, RequestAttempts attempts, out TimeSpan? soonestRetry)
    {
        var proxy = context.GetReverseProxyFeature();
        var candidates = _candidates.Eligible(proxy.AvailableDestinations, attempts.Failed, attempts.PinnedDeployment, out soonestRetry);
        while (candidates.Count == 0 && attempts.NextFallback < routing.Route.Fallbacks.Count)
        {
            if (TryReassignToDeployment(context, routing.Route.Fallbacks[attempts.NextFallback++], routing))
            {
                // ReassignProxyRequest installs a new feature: always work on the current one.
                proxy = context.GetReverseProxyFeature();
                candidates = _candidates.Eligible(proxy.AvailableDestinations, attempts.Failed, attempts.PinnedDeployment, out var fallbackRetry);
                soonestRetry = Min(soonestRetry, fallbackRetry);
            }
        }

        if (candidates.Count == 0)
        {
            return false;
        }

        candidates = PreferAnthropicWhenRequired(candidates, routing);

        // The wait for a short Retry-After was for this deployment: the retry goes back to it, not to whichever the policy picks.
        if (attempts.PinnedDeployment is { } pinned)
        {
            foreach (var candidate in candidates)
            {
                if (candidate.DestinationId == pinned)
                {
                    candidates = [candidate];
                    break;
                }
            }
        }

        proxy.AvailableDestinations = candidates;
        return true;
    }

    /// <summary>
    /// An Anthropic request using what only Anthropic deployments honour (documents, server tools…) goes to those
    /// members when the route has any, instead of being refused by whichever member the policy would pick.
    /// </summary>
    private static IReadOnlyList<DestinationState> PreferAnthropicWhenRequired(IReadOnlyList<DestinationState> candidates, ChatRoutingFeature routing)
    {
        if (routing.Anthropic?.Untranslatable is null)
        {
            return candidates;
        }

        var anthropic = candidates.Where(c => routing.Catalog.Deployments.TryGetValue(c.DestinationId, out var d) && d.Provider == ProviderKind.Anthropic).ToList();
        return anthropic.Count > 0 ? anthropic : candidates;
    }

    private void ResetCandidates(HttpContext context, ChatRoutingFeature routing, RequestAttempts attempts)
    {
        if (attempts.NextFallback == 0)
        {
            if (_proxyState.TryGetCluster(routing.Route.ClusterId, out var cluster))
            {
                context.GetReverseProxyFeature().AvailableDestinations = cluster.DestinationsState.AvailableDestinations;
            }
        }
        else
        {
            TryReassignToDeployment(context, routing.Route.Fallbacks[attempts.NextFallback - 1], routing);
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
        context.Response.Clear();
        if (soonestRetry is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return GatewayError.WriteAsync(context, StatusCodes.Status429TooManyRequests,
                "Every deployment of this route is cooling down after rate limiting; retry after the indicated time.", "rate_limit_error", null, "rate_limit_exceeded");
        }

        return GatewayError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
            "No deployment of this route is available (circuits open).", "server_error", null, "no_available_deployment");
    }

    private static Task WriteErrorAsync(HttpContext context, RequestAttempts attempts, in AttemptResult answer)
    {
        var error = answer.Error ?? new UpstreamError(502, "The upstream request failed.", "server_error", "upstream_error");
        var response = context.Response;
        response.Clear();
        if (error.RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        if (context.Features.Get<ChatRoutingFeature>() is { } routing)
        {
            response.Headers[ProxyIds.RouteHeader] = routing.Route.Name;
            response.Headers[ProxyIds.PolicyHeader] = routing.Route.Options.Policy;
        }

        if (attempts.Deployment is { } deployment)
        {
            response.Headers[ProxyIds.DeploymentHeader] = deployment.Id;
        }

        response.Headers[ProxyIds.AttemptsHeader] = attempts.Sent.ToString(CultureInfo.InvariantCulture);
        foreach (var (name, value) in answer.ErrorHeaders ?? [])
        {
            response.Headers[name] = value;
        }

        return GatewayError.WriteAsync(context, error.StatusCode, error.Message, error.Type, error.Param, error.Code);
    }

    private static TimeSpan? Min(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : (a < b ? a : b);
}
