using LlmRouter.Configuration;
using LlmRouter.Providers;
using LlmRouter.Proxy;
using LlmRouter.Proxy.Attempts;
using LlmRouter.Routing.Stats;
using LlmRouter.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LlmRouter.Limits;

/// <summary>
/// The "account" step for limits: when a response has ended (streams included) the reservation is replaced by
/// the usage the provider reported, off the response path. A response that ended without usage (a stream the
/// client cancelled) is charged its reservation; a request no deployment answered is charged nothing.
/// </summary>
internal sealed partial class ReservationSettler
{
    private readonly FleetState _fleet;
    private readonly LeaseRegistry _leases;
    private readonly TenantMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ReservationSettler> _logger;
    private readonly Func<object, Task> _onCompleted;

    public ReservationSettler(FleetState fleet, LeaseRegistry leases, TenantMetrics metrics, TimeProvider time, ILogger<ReservationSettler> logger)
    {
        _fleet = fleet;
        _leases = leases;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _onCompleted = OnCompleted;
    }

    /// <summary>Arranges the settlement for when the response, stream included, has been sent.</summary>
    public void Register(HttpContext context, Reservation reservation)
    {
        if (reservation.HoldsLease)
        {
            _leases.Add(reservation);
        }

        context.Features.Set(reservation);
        context.Response.OnCompleted(_onCompleted, context);
    }

    /// <summary>The deployment that answered and the usage it reported. The one place this reads forwarding state.</summary>
    private static (Deployment? Deployment, TokenUsage? Usage) ReadOutcome(HttpContext context)
    {
        var attempts = context.Features.Get<RequestAttempts>();
        return (attempts?.Deployment, attempts?.Usage);
    }

    private Task OnCompleted(object state)
    {
        var context = (HttpContext)state;
        if (context.Features.Get<Reservation>() is not { } reservation)
        {
            return Task.CompletedTask;
        }

        var (deployment, usage) = ReadOutcome(context);
        var answered = deployment is not null && context.Response.StatusCode < 400;
        long tokens;
        double cost;
        if (usage is { } u && deployment is not null)
        {
            tokens = u.PromptTokens + u.CompletionTokens;
            cost = UsageCost.Usd(deployment.Options.Pricing, u);
        }
        else
        {
            (tokens, cost) = answered ? (reservation.Tokens, reservation.CostUsd) : (0, 0);
        }

        var settlement = new Settlement(reservation.Id, reservation.Scopes, reservation.AdmittedAt, _time.GetUtcNow(),
            reservation.Tokens, tokens, reservation.CostUsd, cost, Deployment: null);
        if (reservation.Key is { } key)
        {
            _metrics.Settled(key.Name, key.Team, tokens, cost);
        }

        // Provider quotas are settled per attempt by DeploymentQuotaGate; this settles the key and team. The client
        // has its answer: the store applies this off the response path (Redis batches settlements).
        // The lease leaves the renewal list now; the store releases it with the settlement.
        _leases.Remove(reservation);
        if (reservation.Store is { } store)
        {
            try
            {
                _fleet.Post(store, settlement);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogSettlementFailed(_logger, ex, reservation.Key?.Name ?? "-");
            }
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Settling the reservation of key {Key} failed; its reservation stands until the window passes")]
    private static partial void LogSettlementFailed(ILogger logger, Exception exception, string key);
}
