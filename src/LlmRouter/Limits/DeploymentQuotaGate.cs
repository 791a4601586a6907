using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Providers;
using LlmRouter.Routing.Stats;
using Microsoft.Extensions.Logging;

namespace LlmRouter.Limits;

/// <summary>
/// A deployment's provider quota (<c>RequestsPerMinute</c> / <c>TokensPerMinute</c>), exact across the fleet: the
/// forward stage takes a place in it once the policy picked the deployment and before anything is sent (one
/// atomic store call reserving the request and the estimated tokens), and the place is settled with the real usage
/// when the attempt ends. A deployment that fills or is at its quota cools down on every replica until the
/// window frees a place, so every routing policy skips it like a deployment that answered 429.
/// </summary>
internal sealed partial class DeploymentQuotaGate
{
    private readonly FleetState _fleet;
    private readonly TokenEstimator _tokens;
    private readonly LiveStatsStore _stats;
    private readonly TimeProvider _time;
    private readonly ILogger<DeploymentQuotaGate> _logger;

    public DeploymentQuotaGate(FleetState fleet, TokenEstimator tokens, LiveStatsStore stats, TimeProvider time, ILogger<DeploymentQuotaGate> logger)
    {
        _fleet = fleet;
        _tokens = tokens;
        _stats = stats;
        _time = time;
        _logger = logger;
    }

    public static bool HasQuota(Deployment deployment) => deployment.Options.RequestsPerMinute is not null || deployment.Options.TokensPerMinute is not null;

    /// <summary>Takes a place in the deployment's quota for one attempt. Throws <see cref="FleetStoreUnavailableException"/> in fail-closed mode while Redis is down.</summary>
    /// <param name="deployment">The deployment the policy picked.</param>
    /// <param name="request">The request, for the token estimate when admission made none.</param>
    /// <param name="auth">Default completion tokens and lease length.</param>
    /// <param name="admissionEstimate">The tokens admission already estimated for the request, if it did (not counted twice).</param>
    /// <param name="cancellationToken">The client's cancellation.</param>
    public async Task<DeploymentQuotaTicket> AcquireAsync(Deployment deployment, ChatRequest request, AuthOptions auth, long? admissionEstimate,
        CancellationToken cancellationToken)
    {
        var scope = new LimitScope("deployment", deployment.Id, new TenantLimitsOptions
        {
            RequestsPerMinute = deployment.Options.RequestsPerMinute,
            TokensPerMinute = deployment.Options.TokensPerMinute,
        });
        long tokens = deployment.Options.TokensPerMinute is null
            ? 0
            : admissionEstimate ?? _tokens.CountPrompt(request) + TokenEstimator.CompletionBound(request, auth.DefaultCompletionTokens);
        var now = _time.GetUtcNow();
        var id = ReservationId.Next();
        var (result, store) = await _fleet.AdmitAsync(new AdmissionRequest(id, [scope], tokens, 0, now, TimeSpan.FromSeconds(auth.LeaseSeconds)), cancellationToken);
        if (!result.Admitted)
        {
            CoolDown(deployment.Id, now + result.RetryAfter);
            return DeploymentQuotaTicket.Refused(scope, result.RetryAfter);
        }

        // The last place is taken: nobody else should pick this deployment until the window frees one.
        if (result.States is [var state] && (state.RequestsRemaining <= 0 || (deployment.Options.TokensPerMinute is not null && state.TokensRemaining <= 0)))
        {
            var reset = state.RequestsRemaining <= 0 ? state.RequestsReset : state.TokensReset;
            CoolDown(deployment.Id, now + (reset > TimeSpan.Zero ? reset : TimeSpan.FromSeconds(1)));
        }

        return new DeploymentQuotaTicket(true, TimeSpan.Zero, id, scope, tokens, now, store);
    }

    /// <summary>Replaces the attempt's token reservation with what it used, off the response path.</summary>
    public void Settle(DeploymentQuotaTicket ticket, TokenUsage? usage, bool answered)
    {
        if (!ticket.Admitted)
        {
            return;
        }

        long actual = usage is { } u ? u.PromptTokens + u.CompletionTokens : answered ? ticket.ReservedTokens : 0;
        var settlement = new Settlement(ticket.Id, [ticket.Scope], ticket.AdmittedAt, _time.GetUtcNow(), ticket.ReservedTokens, actual, 0, 0, Deployment: null);
        if (ticket.Store is not { } store)
        {
            return;
        }

        try
        {
            _fleet.Post(store, settlement);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogSettlementFailed(_logger, ex, ticket.Scope.Name);
        }
    }

    private void CoolDown(string deploymentId, DateTimeOffset until)
    {
        // This replica at once; the others through the fleet's shared cooldowns.
        _stats.Get(deploymentId).CoolDown(until);
        _ = Task.Run(async () =>
        {
            try
            {
                await _fleet.PublishCooldownAsync(deploymentId, until, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogSettlementFailed(_logger, ex, deploymentId);
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Updating the provider quota of deployment {Deployment} in the fleet store failed")]
    private static partial void LogSettlementFailed(ILogger logger, Exception exception, string deployment);
}
