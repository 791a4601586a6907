using System.Collections.Concurrent;

namespace LlmRouter.Limits;

/// <summary>This replica's live parallel leases; <see cref="FleetSync"/> renews them so only a dead replica's leases expire.</summary>
internal sealed class LeaseRegistry
{
    private readonly ConcurrentDictionary<string, Reservation> _live = new(StringComparer.Ordinal);

    public void Add(Reservation reservation) => _live[reservation.Id] = reservation;

    public void Remove(Reservation reservation) => _live.TryRemove(reservation.Id, out _);

    /// <summary>Live leases grouped by the store that holds them.</summary>
    public IEnumerable<IGrouping<IFleetStore, (string Id, LimitScope Scope)>> ByStore()
        => _live.Values
            .Where(r => r.Store is not null)
            .SelectMany(r => r.Scopes.Where(s => s.Limits.MaxParallelRequests is not null).Select(s => (r.Store!, (r.Id, s))))
            .GroupBy(x => x.Item1, x => x.Item2);
}
