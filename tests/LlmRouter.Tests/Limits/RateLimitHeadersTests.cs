using LlmRouter.Configuration;
using LlmRouter.Limits;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Tests.Limits;

public sealed class RateLimitHeadersTests
{
    [Fact]
    public void Set_PicksTheScopeWithFewestRemainingForEachTrio()
    {
        var key = new LimitScope("key", "alice", new TenantLimitsOptions { RequestsPerMinute = 100, TokensPerMinute = 5000 });
        var team = new LimitScope("team", "blue", new TenantLimitsOptions { RequestsPerMinute = 10 });
        var reservation = new Reservation("id", null, [key, team], 10, 0, DateTimeOffset.UnixEpoch, null)
        {
            States = [new ScopeState(90, TimeSpan.FromSeconds(59.2), 4000, TimeSpan.FromSeconds(12.5)), new ScopeState(3, TimeSpan.FromSeconds(40), long.MaxValue, TimeSpan.Zero)],
        };
        var headers = new HeaderDictionary();

        RateLimitHeaders.Set(headers, reservation);

        Assert.Equal("10", headers["x-ratelimit-limit-requests"]);
        Assert.Equal("3", headers["x-ratelimit-remaining-requests"]);
        Assert.Equal("40s", headers["x-ratelimit-reset-requests"]);
        Assert.Equal("5000", headers["x-ratelimit-limit-tokens"]);
        Assert.Equal("4000", headers["x-ratelimit-remaining-tokens"]);
        Assert.Equal("13s", headers["x-ratelimit-reset-tokens"]);
    }

    [Fact]
    public void Set_NoRateLimits_WritesNothing()
    {
        var scope = new LimitScope("key", "alice", new TenantLimitsOptions { BudgetUsd = 1 });
        var headers = new HeaderDictionary();

        RateLimitHeaders.Set(headers, new Reservation("id", null, [scope], 1, 0, DateTimeOffset.UnixEpoch, null) { States = [default] });

        Assert.Empty(headers);
    }

    [Fact]
    public void RetryAfter_IsWholeSecondsAtLeastOne()
    {
        Assert.Equal("1", RateLimitHeaders.RetryAfter(TimeSpan.FromMilliseconds(10)));
        Assert.Equal("3", RateLimitHeaders.RetryAfter(TimeSpan.FromSeconds(2.1)));
    }
}
