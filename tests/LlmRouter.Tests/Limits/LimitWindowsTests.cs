using LlmRouter.Configuration;
using LlmRouter.Limits;

namespace LlmRouter.Tests.Limits;

public sealed class LimitWindowsTests
{
    [Theory]
    [InlineData(0, 100, 60_000, 100)]
    [InlineData(100, 0, 60_000, 100)]
    [InlineData(100, 0, 90_000, 50)]
    [InlineData(100, 10, 119_999, 10)]
    public void SlidingTokens_WeightsThePreviousMinuteByItsOverlap(long previous, long current, long nowMs, long expected)
        => Assert.Equal(expected, LimitWindows.SlidingTokens(previous, current, nowMs));

    [Fact]
    public void BudgetPeriod_NamesDayMonthAndTotalWindows()
    {
        var now = new DateTimeOffset(2026, 2, 28, 23, 59, 59, TimeSpan.Zero);

        Assert.Equal("d20260228", LimitWindows.BudgetPeriod(BudgetWindow.Day, now));
        Assert.Equal("m202602", LimitWindows.BudgetPeriod(BudgetWindow.Month, now));
        Assert.Equal("total", LimitWindows.BudgetPeriod(BudgetWindow.Total, now));
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), LimitWindows.BudgetReset(BudgetWindow.Day, now));
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), LimitWindows.BudgetReset(BudgetWindow.Month, now));
        Assert.Null(LimitWindows.BudgetReset(BudgetWindow.Total, now));
    }

    [Fact]
    public void ToNanos_RoundsUpSoCheapRequestsStillCount()
    {
        Assert.Equal(2, LimitWindows.ToNanos(1.5e-9));
        Assert.Equal(0.05, LimitWindows.ToUsd(LimitWindows.ToNanos(0.05)), 12);
    }
}
