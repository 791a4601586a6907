using System.Globalization;
using LlmRouter.Configuration;

namespace LlmRouter.Limits;

/// <summary>Window arithmetic both stores share, so Redis and the in-process store count the same way.</summary>
internal static class LimitWindows
{
    public const long MinuteMs = 60_000;

    /// <summary>Budgets are kept in nano-dollars: integers add exactly and cheap requests still count.</summary>
    public const double NanosPerUsd = 1e9;

    public static long ToNanos(double usd) => (long)Math.Ceiling(usd * NanosPerUsd);

    public static double ToUsd(long nanos) => nanos / NanosPerUsd;

    /// <summary>The fixed minute a time falls in; token windows slide across the current and previous one.</summary>
    public static long MinuteOf(long nowMs) => nowMs / MinuteMs;

    /// <summary>
    /// Tokens in the sliding minute: the previous fixed minute weighted by how much of it still overlaps, plus the current one.
    /// </summary>
    public static long SlidingTokens(long previous, long current, long nowMs)
        => (long)Math.Floor((previous * (1 - ((nowMs % MinuteMs) / (double)MinuteMs))) + current);

    /// <summary>The budget window a time falls in, e.g. <c>d20260102</c>, <c>m202601</c>, <c>total</c>.</summary>
    public static string BudgetPeriod(BudgetWindow window, DateTimeOffset now) => window switch
    {
        BudgetWindow.Day => "d" + now.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture),
        BudgetWindow.Month => "m" + now.UtcDateTime.ToString("yyyyMM", CultureInfo.InvariantCulture),
        _ => "total",
    };

    /// <summary>How long a budget counter must outlive its window (then it expires; Total is refreshed on every write).</summary>
    public static TimeSpan BudgetTtl(BudgetWindow window) => window switch
    {
        BudgetWindow.Day => TimeSpan.FromDays(2),
        BudgetWindow.Month => TimeSpan.FromDays(32),
        _ => TimeSpan.FromDays(400),
    };

    /// <summary>When the budget window that contains <paramref name="now"/> ends; null for Total.</summary>
    public static DateTimeOffset? BudgetReset(BudgetWindow window, DateTimeOffset now)
    {
        var day = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        return window switch
        {
            BudgetWindow.Day => day.AddDays(1),
            BudgetWindow.Month => day.AddDays(1 - day.Day).AddMonths(1),
            _ => null,
        };
    }
}
