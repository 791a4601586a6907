using System.Diagnostics;
using LlmRouter.Routing;
using LlmRouter.Routing.Stats;
using LlmRouter.Telemetry;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Proxy;

/// <summary>
/// The "account" step. Every finished attempt, streamed or not, is recorded once in the live-stats store
/// (which policies read) and in the metrics; every finished request once in the request metrics.
/// </summary>
internal sealed class RequestAccounting
{
    private const string Unrouted = "none";

    private readonly LiveStatsStore _stats;
    private readonly GatewayMetrics _metrics;

    public RequestAccounting(LiveStatsStore stats, GatewayMetrics metrics)
    {
        _stats = stats;
        _metrics = metrics;
    }

    public void RecordAttempt(HttpContext context, ForwardingState state, in AttemptResult result)
    {
        if (state.Deployment is not { } deployment)
        {
            return;
        }

        var duration = Stopwatch.GetElapsedTime(state.AttemptTimestamp);
        var error = result.Error;

        // The live stats judge the deployment: a client that left proves nothing, and a request the client got
        // wrong (4xx other than 408/409/429) was answered by a healthy deployment.
        if (!result.ClientAborted)
        {
            _stats.Get(deployment.Id).Record(new UpstreamOutcome(
                result.Success || error?.IsClientFault == true,
                result.StatusCode,
                duration,
                result.TimeToFirstToken,
                result.Usage?.CompletionTokens ?? 0,
                error?.StatusCode is 429 or 503 ? error.RetryAfter : null,
                error?.Type));
        }

        var route = context.Features.Get<ChatRoutingFeature>()?.Route.Name ?? deployment.Id;
        _metrics.RecordAttempt(route, deployment, result.ResponseModel, duration, result.TimeToFirstToken, result.Usage,
            result.Success ? null : error?.Code ?? error?.Type ?? "connection_error");

        state.LastAttemptSucceeded = result.Success;
        state.Usage = result.Usage ?? state.Usage;
        state.UpstreamDuration += duration;
        if (!result.Success && error is not null)
        {
            state.LastError = error;
        }
    }

    /// <summary>Called when the response, stream included, has been sent.</summary>
    public void RecordRequest(HttpContext context)
    {
        var routing = context.Features.Get<ChatRoutingFeature>();
        var state = context.Features.Get<ForwardingState>();
        if (routing is null)
        {
            // Refused before routing (bad body, unknown model): counted without a client-chosen label value.
            _metrics.RecordRequest(Unrouted, Unrouted, null, null, context.Response.StatusCode, 0, fellBack: false, TimeSpan.Zero);
            return;
        }

        var total = state?.Elapsed ?? TimeSpan.Zero;
        var upstream = state?.UpstreamDuration ?? TimeSpan.Zero;
        _metrics.RecordRequest(
            routing.Route.Name,
            routing.Route.Options.Policy,
            state?.Deployment?.Id,
            routing.Category,
            context.Response.StatusCode,
            state?.Attempts ?? 0,
            fellBack: state is { Attempts: > 1, LastError: not null } && context.Response.StatusCode < 400,
            total - upstream);
    }
}
