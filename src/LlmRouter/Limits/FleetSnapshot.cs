namespace LlmRouter.Limits;

/// <summary>What every replica polls: shared deployment cooldowns and the runtime-key generation.</summary>
internal sealed record FleetSnapshot(IReadOnlyDictionary<string, DateTimeOffset> Cooldowns, long KeysVersion);
