namespace LlmRouter.Routing.Stats;

/// <summary>A consistent read of one deployment's live figures, with time decay applied as of <see cref="AsOf"/>.</summary>
internal readonly record struct DeploymentStatsSnapshot(
    string DeploymentId,
    long Samples,
    double LatencyEwmaMs,
    double TimeToFirstTokenEwmaMs,
    double ErrorRate,
    double TokensPerSecond,
    DateTimeOffset? CooldownUntil,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    DateTimeOffset AsOf)
{
    /// <summary>When the last outcome was recorded; null before the first.</summary>
    public DateTimeOffset? LastSampleAt { get; init; }

    public bool HasSamples => Samples > 0;

    public bool IsCoolingDown => CooldownUntil is { } until && until > AsOf;
}
