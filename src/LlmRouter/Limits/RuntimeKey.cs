using LlmRouter.Configuration;

namespace LlmRouter.Limits;

/// <summary>A key created through <c>POST /admin/keys</c>, as stored (hash only, never the key).</summary>
internal sealed class RuntimeKey : TenantLimitsOptions
{
    public required string Name { get; init; }

    public required string Hash { get; init; }

    public string? Team { get; init; }

    public List<string> Routes { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }
}
