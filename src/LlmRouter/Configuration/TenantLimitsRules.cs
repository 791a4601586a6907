using System.Text.RegularExpressions;

namespace LlmRouter.Configuration;

/// <summary>Checks shared by configured keys and teams, and by keys created at runtime through <c>/admin/keys</c>.</summary>
internal static partial class TenantLimitsRules
{
    /// <summary>
    /// Key and team names become metric label values and Redis key parts: short and plain, so their number and
    /// shape stay bounded by what operators configure.
    /// </summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    public static bool IsValidHash(string? hash) => hash is not null && HashPattern().IsMatch(hash);

    /// <summary>Adds one message per invalid limit, each naming <paramref name="key"/>.</summary>
    public static void Check(string key, TenantLimitsOptions limits, List<string> errors)
    {
        if (limits.RequestsPerMinute is <= 0)
        {
            errors.Add($"{key}:RequestsPerMinute must be positive (omit it for no limit).");
        }

        if (limits.TokensPerMinute is <= 0)
        {
            errors.Add($"{key}:TokensPerMinute must be positive (omit it for no limit).");
        }

        if (limits.MaxParallelRequests is <= 0)
        {
            errors.Add($"{key}:MaxParallelRequests must be positive (omit it for no limit).");
        }

        if (limits.BudgetUsd is { } budget && (budget <= 0 || double.IsNaN(budget) || double.IsInfinity(budget)))
        {
            errors.Add($"{key}:BudgetUsd must be positive (omit it for no budget).");
        }

        if (!Enum.IsDefined(limits.BudgetWindow))
        {
            errors.Add($"{key}:BudgetWindow must be Day, Month or Total.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex HashPattern();
}
