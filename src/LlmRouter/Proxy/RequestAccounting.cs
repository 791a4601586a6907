using System.Diagnostics;
using LlmRouter.Providers;
using LlmRouter.Routing.Stats;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Proxy;

/// <summary>
/// The "account" step: every finished attempt, streamed or not, is recorded once in the live-stats store
/// (which policies read) and in the request's log properties.
/// </summary>
internal sealed class RequestAccounting
{
    private readonly LiveStatsStore _stats;

    public RequestAccounting(LiveStatsStore stats)
    {
        _stats = stats;
    }

    public void Record(HttpContext context, ForwardingState state, bool success, int statusCode, TokenUsage? usage, TimeSpan? timeToFirstToken, UpstreamError? error)
    {
        if (state.Deployment is not { } deployment)
        {
            return;
        }

        var duration = Stopwatch.GetElapsedTime(state.AttemptTimestamp);
        _stats.Get(deployment.Id).Record(new UpstreamOutcome(
            success,
            statusCode,
            duration,
            timeToFirstToken,
            usage?.CompletionTokens ?? 0,
            error?.StatusCode is 429 or 503 ? error.RetryAfter : null,
            error?.Type));

        state.Usage = usage ?? state.Usage;
        state.UpstreamDuration += duration;
        if (!success)
        {
            state.LastError = error ?? state.LastError;
        }

        context.Items[typeof(RequestAccounting)] = state;
    }
}
