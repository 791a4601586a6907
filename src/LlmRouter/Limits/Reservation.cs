using LlmRouter.Auth;

namespace LlmRouter.Limits;

/// <summary>
/// What admission reserved for one request, handed forward on <c>HttpContext.Features</c> and settled when the
/// response has ended: the scopes, the estimate and the store that holds the reservation.
/// </summary>
internal sealed class Reservation
{
    public Reservation(string id, GatewayKey? key, IReadOnlyList<LimitScope> scopes, long tokens, double costUsd, DateTimeOffset admittedAt, IFleetStore? store)
    {
        Id = id;
        Key = key;
        Scopes = scopes;
        Tokens = tokens;
        CostUsd = costUsd;
        AdmittedAt = admittedAt;
        Store = store;
        HoldsLease = scopes.Any(s => s.Limits.MaxParallelRequests is not null);
    }

    public string Id { get; }

    /// <summary>The authenticated key; null on an open gateway (deployment quotas still count).</summary>
    public GatewayKey? Key { get; }

    public IReadOnlyList<LimitScope> Scopes { get; }

    /// <summary>Estimated tokens reserved.</summary>
    public long Tokens { get; }

    /// <summary>Estimated cost reserved.</summary>
    public double CostUsd { get; }

    public DateTimeOffset AdmittedAt { get; }

    /// <summary>The store that admitted (Redis, or the in-process fallback while Redis was down); null when nothing was reserved.</summary>
    public IFleetStore? Store { get; }

    /// <summary>What admission left of each scope's limits, for the response headers.</summary>
    public IReadOnlyList<ScopeState> States { get; init; } = [];

    /// <summary>True when some scope limits parallel requests: the lease must be renewed while the request runs.</summary>
    public bool HoldsLease { get; }
}
