using System.Globalization;
using LlmRouter.Auth;
using LlmRouter.Configuration;
using LlmRouter.Proxy;
using LlmRouter.Routing;
using LlmRouter.Telemetry;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Limits;

/// <summary>
/// The "authorize" step, once the body is parsed and the route known: the key may use the model, and every
/// limit of the key and its team admits the request (one atomic store call that also reserves the estimated
/// tokens, cost and a parallel lease). The reservation is handed forward as a feature and settled when the
/// response ends. Refusals are OpenAI-style 429s naming the caller's own key or team only.
/// </summary>
internal sealed class AdmissionMiddleware
{
    private readonly RequestDelegate _next;
    private readonly FleetState _fleet;
    private readonly TokenEstimator _tokens;
    private readonly ReservationSettler _settler;
    private readonly TenantMetrics _metrics;
    private readonly TimeProvider _time;

    public AdmissionMiddleware(RequestDelegate next, FleetState fleet, TokenEstimator tokens, ReservationSettler settler, TenantMetrics metrics, TimeProvider time)
    {
        _next = next;
        _fleet = fleet;
        _tokens = tokens;
        _settler = settler;
        _metrics = metrics;
        _time = time;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var routing = context.Features.Get<ChatRoutingFeature>();
        var key = context.Features.Get<GatewayKeyFeature>()?.Key;

        // Nothing to admit without a key (an open gateway): no state machine either.
        return routing is null || key is null ? _next(context) : AdmitAsync(context, routing, key);
    }

    private async Task AdmitAsync(HttpContext context, ChatRoutingFeature routing, GatewayKey key)
    {
        if (!key.MayUse(routing.Request.Model))
        {
            _metrics.Rejected(key.Name, key.Team, "route");
            await GatewayError.WriteAsync(context, StatusCodes.Status403Forbidden,
                $"The key `{key.Name}` may not use the model `{routing.Request.Model}`.", "invalid_request_error", "model", "model_not_allowed");
            return;
        }

        var scopes = ScopesOf(key, routing.Catalog.Options.Auth);
        var auth = routing.Catalog.Options.Auth;
        var request = routing.Request;
        long prompt = scopes.Count == 0 ? 0 : _tokens.CountPrompt(request);
        var completion = TokenEstimator.CompletionBound(request, auth.DefaultCompletionTokens);
        var now = _time.GetUtcNow();
        var id = ReservationId.Next();
        var estimate = new AdmissionRequest(id, scopes, prompt + completion, UsageCost.Estimate(routing.Route, prompt, completion), now, TimeSpan.FromSeconds(auth.LeaseSeconds));

        Reservation reservation;
        if (scopes.Count == 0)
        {
            reservation = new Reservation(id, key, scopes, estimate.Tokens, estimate.CostUsd, now, store: null);
        }
        else
        {
            AdmissionResult result;
            IFleetStore store;
            try
            {
                (result, store) = await _fleet.AdmitAsync(estimate, context.RequestAborted);
            }
            catch (FleetStoreUnavailableException)
            {
                context.Response.Headers.RetryAfter = "1";
                await GatewayError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                    "Limits cannot be checked right now; retry shortly.", "server_error", null, "limits_unavailable");
                return;
            }

            if (!result.Admitted)
            {
                await RefuseAsync(context, key, scopes[result.RejectedScope], result);
                return;
            }

            reservation = new Reservation(id, key, scopes, estimate.Tokens, estimate.CostUsd, now, store) { States = result.States };
            context.Response.OnStarting(static state =>
            {
                var (response, admitted) = ((HttpResponse, Reservation))state;
                RateLimitHeaders.Set(response.Headers, admitted);
                return Task.CompletedTask;
            }, (context.Response, reservation));
        }

        _metrics.Admitted(key.Name, key.Team);

        _settler.Register(context, reservation);
        await _next(context);
    }

    /// <summary>The scopes a key's requests count against: the key itself, and its team when the team has limits.</summary>
    internal static List<LimitScope> ScopesOf(GatewayKey? key, AuthOptions auth)
    {
        var scopes = new List<LimitScope>(2);
        if (key is null)
        {
            return scopes;
        }

        // Always counted, limits or not, so /admin/keys shows every key's usage.
        scopes.Add(new LimitScope("key", key.Name, key.Limits));

        if (key.Team is { } team && auth.Teams.TryGetValue(team, out var teamLimits) && teamLimits.HasLimits)
        {
            scopes.Add(new LimitScope("team", team, teamLimits));
        }

        return scopes;
    }

    private Task RefuseAsync(HttpContext context, GatewayKey key, LimitScope scope, AdmissionResult result)
    {
        var reason = result.Reason!.Value;
        _metrics.Rejected(key.Name, key.Team, TenantMetrics.ReasonOf(reason));
        var holder = $"{scope.Kind} `{scope.Name}`";
        var limits = scope.Limits;
        if (reason == LimitKind.Budget)
        {
            var budget = limits.BudgetUsd!.Value.ToString("0.######", CultureInfo.InvariantCulture);
            return GatewayError.WriteAsync(context, StatusCodes.Status429TooManyRequests,
                $"You exceeded the budget of {holder} (USD {budget} per {limits.BudgetWindow}).", "insufficient_quota", null, "insufficient_quota");
        }

        var headers = context.Response.Headers;
        headers.RetryAfter = RateLimitHeaders.RetryAfter(result.RetryAfter);
        RateLimitHeaders.SetExhausted(headers, scope, reason, result.RetryAfter);
        var what = reason switch
        {
            LimitKind.Requests => $"requests per minute (limit {limits.RequestsPerMinute})",
            LimitKind.Tokens => $"tokens per minute (limit {limits.TokensPerMinute})",
            _ => $"parallel requests (limit {limits.MaxParallelRequests})",
        };
        return GatewayError.WriteAsync(context, StatusCodes.Status429TooManyRequests,
            $"Rate limit reached for {what} on {holder}. Retry after {RateLimitHeaders.RetryAfter(result.RetryAfter)} s.", "rate_limit_error", null, "rate_limit_exceeded");
    }
}
