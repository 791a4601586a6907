using LlmRouter.Configuration;

namespace LlmRouter.Limits;

/// <summary>One holder of limits a request counts against: <c>Kind</c> is <c>key</c> or <c>team</c>.</summary>
internal sealed record LimitScope(string Kind, string Name, TenantLimitsOptions Limits)
{
    /// <summary>The scope's part of store keys, e.g. <c>key:alice</c>.</summary>
    public string Id => $"{Kind}:{Name}";
}
