namespace LlmRouter.Limits;

/// <summary>
/// Fleet-wide state behind one interface: limits and budgets (reserve at admission, settle afterwards), parallel
/// leases, shared deployment cooldowns and runtime keys. Redis when configured, in process otherwise.
/// </summary>
internal interface IFleetStore
{
    /// <summary><c>redis</c> or <c>in-process</c>, for the startup log and <c>/admin/keys</c>.</summary>
    string Name { get; }

    /// <summary>Checks every scope and, only when all pass, reserves in all of them (one round trip).</summary>
    Task<AdmissionResult> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken);

    /// <summary>Replaces reservations with real usage, releases the lease and counts the deployment's quota (one round trip).</summary>
    /// <returns>When the deployment reached its quota, until when it stays at quota.</returns>
    Task<DateTimeOffset?> SettleAsync(Settlement settlement, CancellationToken cancellationToken);

    /// <summary>
    /// Settles a reservation nobody waits for (the response has been sent): applied now or shortly, in a batch with
    /// others, but always applied. Failures are the store's to report; this never throws for a store outage.
    /// </summary>
    void Post(Settlement settlement);

    /// <summary>Extends live leases of long requests so only a dead replica's leases expire.</summary>
    Task RenewLeasesAsync(IReadOnlyList<(string Id, LimitScope Scope)> leases, DateTimeOffset until, CancellationToken cancellationToken);

    Task<ScopeUsage> UsageAsync(LimitScope scope, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Keeps every replica off a deployment until <paramref name="until"/> (extends, never shortens).</summary>
    Task PublishCooldownAsync(string deploymentId, DateTimeOffset until, CancellationToken cancellationToken);

    Task<FleetSnapshot> PollAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>False when a key of that name already exists.</summary>
    Task<bool> CreateKeyAsync(RuntimeKey key, CancellationToken cancellationToken);

    Task<bool> DeleteKeyAsync(string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<RuntimeKey>> ListKeysAsync(CancellationToken cancellationToken);
}
