using LlmRouter.Configuration;

namespace LlmRouter.Auth;

/// <summary>An authenticated client: the key's name, team, allowed models and limits (configured or created at runtime).</summary>
internal sealed record GatewayKey(string Name, string? Team, IReadOnlyList<string> Routes, TenantLimitsOptions Limits, bool IsRuntime)
{
    /// <summary>True when the key may call the model the client named (a route name or a deployment id).</summary>
    public bool MayUse(string model) => Routes.Count == 0 || Routes.Contains(model, StringComparer.Ordinal);
}
