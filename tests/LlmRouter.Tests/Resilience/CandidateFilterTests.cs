using LlmRouter.Resilience;
using LlmRouter.Routing.Stats;
using LlmRouter.Tests.Routing;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Resilience;

public sealed class CandidateFilterTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly LiveStatsStore _stats;
    private readonly DeploymentCircuitBreakers _breakers;
    private readonly CandidateFilter _filter;

    public CandidateFilterTests()
    {
        _stats = new LiveStatsStore(_time);
        _breakers = BreakerTestKit.Breakers(_time);
        _filter = new CandidateFilter(_stats, _breakers);
    }

    [Fact]
    public void Eligible_NothingAgainstThem_KeepsAllInOrder()
    {
        var eligible = _filter.Eligible(RoutingTestKit.Destinations("a", "b", "c"), null, null, out var soonest);

        Assert.Equal(["a", "b", "c"], eligible.Select(d => d.DestinationId));
        Assert.Null(soonest);
    }

    [Fact]
    public void Eligible_FailedEarlierInRequest_Excluded()
    {
        var eligible = _filter.Eligible(RoutingTestKit.Destinations("a", "b"), new HashSet<string> { "a" }, null, out _);

        Assert.Equal(["b"], eligible.Select(d => d.DestinationId));
        Assert.Equal("failed earlier in this request", _filter.Exclusion("a", new HashSet<string> { "a" }, null, out _));
    }

    [Fact]
    public async Task Eligible_OpenCircuit_ExcludedUntilBreakEnds()
    {
        await BreakerTestKit.RecordAsync(_breakers, "a", AttemptVerdict.Failure);
        await BreakerTestKit.RecordAsync(_breakers, "a", AttemptVerdict.Failure);

        Assert.Equal(["b"], _filter.Eligible(RoutingTestKit.Destinations("a", "b"), null, null, out _).Select(d => d.DestinationId));
        Assert.Equal("circuit open", _filter.Exclusion("a", null, null, out _));

        _time.Advance(TimeSpan.FromSeconds(5.1));
        Assert.Equal(["a", "b"], _filter.Eligible(RoutingTestKit.Destinations("a", "b"), null, null, out _).Select(d => d.DestinationId));
    }

    [Fact]
    public void Eligible_CoolingDown_ExcludedWithSmallestRemainingCooldown()
    {
        _stats.Get("a").CoolDown(_time.GetUtcNow().AddSeconds(30));
        _stats.Get("b").CoolDown(_time.GetUtcNow().AddSeconds(12));

        var eligible = _filter.Eligible(RoutingTestKit.Destinations("a", "b", "c"), null, null, out var soonest);

        Assert.Equal(["c"], eligible.Select(d => d.DestinationId));
        Assert.Equal(TimeSpan.FromSeconds(12), soonest);
    }

    [Fact]
    public void Eligible_CooldownOver_IncludedAgain()
    {
        _stats.Get("a").CoolDown(_time.GetUtcNow().AddSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(10.5));

        var eligible = _filter.Eligible(RoutingTestKit.Destinations("a"), null, null, out var soonest);

        Assert.Equal(["a"], eligible.Select(d => d.DestinationId));
        Assert.Null(soonest);
    }

    [Fact]
    public void Eligible_DeploymentWaitedFor_IgnoresItsOwnCooldown()
    {
        _stats.Get("a").CoolDown(_time.GetUtcNow().AddSeconds(2));
        _stats.Get("b").CoolDown(_time.GetUtcNow().AddSeconds(2));

        var eligible = _filter.Eligible(RoutingTestKit.Destinations("a", "b"), null, "a", out _);

        Assert.Equal(["a"], eligible.Select(d => d.DestinationId));
    }
}
