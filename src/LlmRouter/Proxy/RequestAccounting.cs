using System.Collections.Concurrent;
using LlmRouter.Configuration;
using LlmRouter.Proxy.Attempts;
using LlmRouter.Routing;
using LlmRouter.Routing.Stats;
using LlmRouter.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LlmRouter.Proxy;

/// <summary>
/// The "account" step: records, never decides. Every finished attempt, streamed or not, is recorded once in the
/// live-stats store (which policies and the candidate filter read) and in the metrics; every finished request once
/// in the request metrics.
/// </summary>
internal sealed partial class RequestAccounting
{
    private const string Unrouted = "none";

    // A rejected provider key is logged at Error at most once per deployment in this interval.
    private static readonly TimeSpan AuthenticationLogInterval = TimeSpan.FromMinutes(1);

    private readonly LiveStatsStore _stats;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<RequestAccounting> _logger;
    private readonly ConcurrentDictionary<string, long> _authenticationLogged = new(StringComparer.Ordinal);

    public RequestAccounting(LiveStatsStore stats, GatewayMetrics metrics, TimeProvider time, ILogger<RequestAccounting> logger)
    {
        _stats = stats;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <param name="route">The route the request came in on.</param>
    /// <param name="limits">The request's catalog limits (auth-failure cooldown).</param>
    /// <param name="attempt">The attempt.</param>
    /// <param name="result">What it produced.</param>
    public void RecordAttempt(string route, LimitsOptions limits, UpstreamAttempt attempt, in AttemptResult result)
    {
        if (attempt.Deployment is not { } deployment)
        {
            // Never sent: nothing happened at any deployment.
            return;
        }

        var duration = attempt.Elapsed;
        var error = result.Error;

        // The live stats judge the deployment: only its own failures count against it.
        if (result.Kind is AttemptResultKind.Succeeded or AttemptResultKind.UpstreamFailed or AttemptResultKind.ClientFault)
        {
            var cooldown = error?.StatusCode is 429 or 503 ? error.RetryAfter : null;
            if (error?.Code == UpstreamFailures.AuthenticationErrorCode)
            {
                cooldown = TimeSpan.FromSeconds(limits.AuthenticationFailureCooldownSeconds);
                LogAuthenticationFailure(deployment.Id);
            }

            _stats.Get(deployment.Id).Record(new UpstreamOutcome(
                result.Kind != AttemptResultKind.UpstreamFailed,
                result.StatusCode,
                duration,
                result.TimeToFirstToken,
                result.Usage?.CompletionTokens ?? 0,
                cooldown,
                error?.Type));
        }

        if (result.FailedMidStream)
        {
            LogMidStreamFailure(_logger, deployment.Id, route, error?.Code ?? error?.Type);
        }

        var errorType = result.Kind switch
        {
            AttemptResultKind.Succeeded => null,
            AttemptResultKind.ClientAborted => "client_aborted",
            _ => error?.Code ?? error?.Type ?? "connection_error",
        };
        _metrics.RecordAttempt(route, deployment, result.ResponseModel, duration, result.TimeToFirstToken, result.Usage, errorType, result.FailedMidStream);
    }

    /// <summary>Called when the response, stream included, has been sent.</summary>
    public void RecordRequest(HttpContext context)
    {
        var routing = context.Features.Get<ChatRoutingFeature>();
        var attempts = context.Features.Get<RequestAttempts>();
        if (routing is null)
        {
            // Refused before routing (bad body, unknown model): counted without a client-chosen label value.
            _metrics.RecordRequest(Unrouted, Unrouted, null, null, context.Response.StatusCode, 0, fellBack: false, TimeSpan.Zero);
            return;
        }

        var total = attempts?.Elapsed ?? TimeSpan.Zero;
        var upstream = attempts?.UpstreamDuration ?? TimeSpan.Zero;
        _metrics.RecordRequest(
            routing.Route.Name,
            routing.Route.Options.Policy,
            attempts?.Deployment?.Id,
            routing.Category,
            context.Response.StatusCode,
            attempts?.Sent ?? 0,
            fellBack: attempts?.FellBack == true && context.Response.StatusCode < 400,
            total - upstream);
    }

    private void LogAuthenticationFailure(string deploymentId)
    {
        var now = _time.GetTimestamp();
        var last = _authenticationLogged.GetOrAdd(deploymentId, 0);
        if (last != 0 && _time.GetElapsedTime(last, now) < AuthenticationLogInterval)
        {
            return;
        }

        if (_authenticationLogged.TryUpdate(deploymentId, now, last))
        {
            LogProviderRejectedKey(_logger, deploymentId);
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Error,
        Message = "The provider of deployment {Deployment} rejected the gateway's API key (401/403); the deployment is out of rotation for a while. Check its ApiKeyVariable.")]
    private static partial void LogProviderRejectedKey(ILogger logger, string deployment);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning,
        Message = "Stream from deployment {Deployment} on route {Route} failed after its first token ({ErrorType}); the client got an error event.")]
    private static partial void LogMidStreamFailure(ILogger logger, string deployment, string route, string? errorType);
}
