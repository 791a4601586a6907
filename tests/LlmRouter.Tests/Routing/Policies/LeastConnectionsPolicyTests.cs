using LlmRouter.Configuration;
using LlmRouter.Routing.Policies;
using LlmRouter.Routing.Stats;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using static LlmRouter.Tests.Routing.RoutingTestKit;

namespace LlmRouter.Tests.Routing.Policies;

public sealed class LeastConnectionsPolicyTests
{
    private static readonly string[] Ids = ["a", "b", "c"];

    [Fact]
    public void PickDestination_PicksFewestInFlight()
    {
        var destinations = Destinations("a", "b", "c");
        destinations[0].ConcurrentRequestCount = 4;
        destinations[1].ConcurrentRequestCount = 1;
        destinations[2].ConcurrentRequestCount = 3;

        var chosen = new LeastConnectionsPolicy(new LiveStatsStore(new FakeTimeProvider())).PickDestination(new DefaultHttpContext(), Cluster(), destinations);

        Assert.Equal("b", chosen!.DestinationId);
    }

    [Fact]
    public void PickDestination_TiedLoad_HigherWeightWins()
    {
        var catalog = Catalog(new Dictionary<string, DeploymentOptions> { ["a"] = Options(weight: 1), ["b"] = Options(weight: 3), ["c"] = Options(weight: 2) });
        var policy = new LeastConnectionsPolicy(new LiveStatsStore(new FakeTimeProvider()));

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("b", policy.PickDestination(Context(Feature(catalog)), Cluster(), Destinations("a", "b", "c"))!.DestinationId);
        }
    }

    [Fact]
    public void PickDestination_FullTie_SpreadsRandomly()
    {
        var policy = new LeastConnectionsPolicy(new LiveStatsStore(new FakeTimeProvider()));
        var destinations = Destinations("a", "b", "c");

        var picked = Enumerable.Range(0, 300).Select(_ => policy.PickDestination(new DefaultHttpContext(), Cluster(), destinations)!.DestinationId).ToHashSet();

        Assert.Equal(3, picked.Count);
    }

    [Fact]
    public void PickDestination_CoolingDown_SkippedUnlessAllAre()
    {
        var time = new FakeTimeProvider();
        var stats = new LiveStatsStore(time);
        var policy = new LeastConnectionsPolicy(stats);
        var destinations = Destinations("a", "b");
        destinations[1].ConcurrentRequestCount = 5;
        stats.Get("a").CoolDown(time.GetUtcNow().AddSeconds(30));

        Assert.Equal("b", policy.PickDestination(new DefaultHttpContext(), Cluster(), destinations)!.DestinationId);

        stats.Get("b").CoolDown(time.GetUtcNow().AddSeconds(30));
        Assert.Equal("a", policy.PickDestination(new DefaultHttpContext(), Cluster(), destinations)!.DestinationId);

        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal("a", policy.PickDestination(new DefaultHttpContext(), Cluster(), destinations)!.DestinationId);
    }

    [Fact]
    public void FeedbackLoop_DeploymentTenTimesSlower_LosesShareAndRecoversWhenHealed()
    {
        var simulation = new TrafficSimulation(stats => new LeastConnectionsPolicy(stats), Ids);
        var healthy = simulation.Run(600);
        Assert.InRange(Share(healthy, "c"), 0.25, 0.42);

        var slow = false;
        simulation.Behaviour = id => (TimeSpan.FromMilliseconds(id == "c" && slow ? 1000 : 100), true);
        slow = true;
        simulation.Run(100);
        var degraded = simulation.Run(1000);
        Assert.True(Share(degraded, "c") < 0.20, $"slow deployment kept {Share(degraded, "c"):P1}");

        slow = false;
        simulation.Run(200);
        var healed = simulation.Run(1000);
        Assert.True(Share(healed, "c") > 0.25, $"healed deployment only got {Share(healed, "c"):P1}");
    }

    internal static double Share(Dictionary<string, int> counts, string id) => counts[id] / (double)counts.Values.Sum();
}
