namespace LlmRouter.Configuration;

/// <summary>The period a <c>BudgetUsd</c> applies to (UTC calendar periods).</summary>
public enum BudgetWindow
{
    /// <summary>Resets at 00:00 UTC.</summary>
    Day,

    /// <summary>Resets on the first of the month, 00:00 UTC.</summary>
    Month,

    /// <summary>Never resets.</summary>
    Total,
}
