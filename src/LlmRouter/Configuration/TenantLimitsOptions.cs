namespace LlmRouter.Configuration;

/// <summary>Limits shared by a gateway key (<c>LlmRouter:Auth:Keys:&lt;name&gt;</c>) or a team (<c>LlmRouter:Auth:Teams:&lt;team&gt;</c>); unset means unlimited.</summary>
public class TenantLimitsOptions
{
    /// <summary>Requests accepted in any sliding 60 s window, fleet-wide.</summary>
    public int? RequestsPerMinute { get; set; }

    /// <summary>Input + output tokens per minute, fleet-wide (estimate reserved at admission, settled with real usage).</summary>
    public long? TokensPerMinute { get; set; }

    /// <summary>Requests in flight at once, fleet-wide.</summary>
    public int? MaxParallelRequests { get; set; }

    /// <summary>Spend allowed per <see cref="BudgetWindow"/>, in USD, from the deployments' <c>Pricing</c>.</summary>
    public double? BudgetUsd { get; set; }

    /// <summary>The period <see cref="BudgetUsd"/> covers.</summary>
    public BudgetWindow BudgetWindow { get; set; } = BudgetWindow.Month;

    /// <summary>True when any limit is set.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool HasLimits => RequestsPerMinute is not null || TokensPerMinute is not null || MaxParallelRequests is not null || BudgetUsd is not null;
}
