using LlmRouter.Routing;
using LlmRouter.Routing.Policies;
using LlmRouter.Routing.Stats;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using static LlmRouter.Tests.Routing.Policies.LeastConnectionsPolicyTests;
using static LlmRouter.Tests.Routing.RoutingTestKit;

namespace LlmRouter.Tests.Routing.Policies;

public sealed class AdaptivePolicyTests
{
    private static readonly string[] Ids = ["a", "b", "c"];

    [Fact]
    public void FeedbackLoop_DeploymentTenTimesSlower_LosesShareAndRecoversAfterHealing()
    {
        var simulation = new TrafficSimulation(stats => new AdaptivePolicy(stats), Ids);
        var slow = false;
        simulation.Behaviour = id => (TimeSpan.FromMilliseconds(id == "c" && slow ? 1000 : 100), true);
        var healthy = simulation.Run(600);
        Assert.InRange(Share(healthy, "c"), 0.2, 0.45);

        slow = true;
        simulation.Run(100);
        var degraded = simulation.Run(1000);
        Assert.True(Share(degraded, "c") < 0.20, $"slow deployment kept {Share(degraded, "c"):P1}");

        slow = false;
        simulation.Drain(TimeSpan.FromSeconds(30));
        simulation.Run(200);
        var healed = simulation.Run(1000);
        Assert.True(Share(healed, "c") > 0.20, $"healed deployment only got {Share(healed, "c"):P1}");
    }

    [Fact]
    public void FeedbackLoop_DeploymentStartsFailing_LosesShareAndRecoversAfterHealing()
    {
        var simulation = new TrafficSimulation(stats => new AdaptivePolicy(stats), Ids);
        var failing = false;

        // Failures come back fast, which is what makes a failing upstream look attractive to latency-only balancing.
        simulation.Behaviour = id => id == "c" && failing ? (TimeSpan.FromMilliseconds(20), false) : (TimeSpan.FromMilliseconds(100), true);
        simulation.Run(600);

        failing = true;
        simulation.Run(100);
        var degraded = simulation.Run(1000);
        Assert.True(Share(degraded, "c") < 0.20, $"failing deployment kept {Share(degraded, "c"):P1}");

        failing = false;
        simulation.Drain(TimeSpan.FromSeconds(30));
        simulation.Run(200);
        var healed = simulation.Run(1000);
        Assert.True(Share(healed, "c") > 0.20, $"healed deployment only got {Share(healed, "c"):P1}");
    }

    [Fact]
    public void PickDestination_NewDeployment_IsProbedNotStarved()
    {
        var time = new FakeTimeProvider();
        var stats = new LiveStatsStore(time);
        var policy = new AdaptivePolicy(stats);
        var destinations = Destinations("a", "b");
        stats.Get("a").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(50)));
        time.Advance(TimeSpan.FromMilliseconds(10));

        var first = policy.PickDestination(new DefaultHttpContext(), Cluster(), destinations);

        Assert.Equal("b", first!.DestinationId);
    }

    [Fact]
    public void PickDestination_IdleDeployment_ProbedOncePerInterval()
    {
        var time = new FakeTimeProvider();
        var stats = new LiveStatsStore(time);
        var policy = new AdaptivePolicy(stats);
        var destinations = Destinations("a", "b");
        stats.Get("a").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(50)));
        stats.Get("b").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(5000)));
        time.Advance(AdaptivePolicy.ProbeInterval);
        stats.Get("a").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(50)));

        var picks = Enumerable.Range(0, 50).Select(_ => policy.PickDestination(new DefaultHttpContext(), Cluster(), destinations)!.DestinationId).ToList();

        Assert.Equal(1, picks.Count(p => p == "b"));
    }

    [Fact]
    public void PickDestination_CoolingDown_NotChosen()
    {
        var time = new FakeTimeProvider();
        var stats = new LiveStatsStore(time);
        var policy = new AdaptivePolicy(stats);
        var destinations = Destinations("a", "b");
        stats.Get("a").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(50)));
        stats.Get("b").Record(new UpstreamOutcome(false, 429, TimeSpan.FromMilliseconds(5), RetryAfter: TimeSpan.FromSeconds(60)));

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("a", policy.PickDestination(new DefaultHttpContext(), Cluster(), destinations)!.DestinationId);
        }
    }

    [Fact]
    public void PickDestination_Stream_UsesTimeToFirstToken()
    {
        var time = new FakeTimeProvider();
        var stats = new LiveStatsStore(time);
        var policy = new AdaptivePolicy(stats);
        var destinations = Destinations("gpt-4", "claude");

        // gpt-4 finishes sooner overall but starts streaming much later.
        stats.Get("gpt-4").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(800), TimeToFirstToken: TimeSpan.FromMilliseconds(700)));
        stats.Get("claude").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(2000), TimeToFirstToken: TimeSpan.FromMilliseconds(100)));
        var streaming = Feature(Catalog(ShippedDeployments()), """{"model":"route","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        var buffered = Feature(Catalog(ShippedDeployments()));

        Assert.All(Enumerable.Range(0, 20), _ => Assert.Equal("claude", policy.PickDestination(Context(streaming), Cluster(), destinations)!.DestinationId));
        Assert.All(Enumerable.Range(0, 20), _ => Assert.Equal("gpt-4", policy.PickDestination(Context(buffered), Cluster(), destinations)!.DestinationId));
    }

    [Fact]
    public void PickDestination_Explain_ScoresEveryCandidate()
    {
        var time = new FakeTimeProvider();
        var stats = new LiveStatsStore(time);
        stats.Get("gpt-4").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(100)));
        stats.Get("gemini").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(100)));
        stats.Get("claude").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(100)));
        var feature = Feature(Catalog(ShippedDeployments()), explain: true);

        new AdaptivePolicy(stats).PickDestination(Context(feature), Cluster(), Destinations("gpt-4", "gemini", "claude"));

        Assert.Equal(PolicyNames.Adaptive, feature.Decision!.Policy);
        Assert.Equal(3, feature.Decision.Candidates.Count);
        Assert.All(feature.Decision.Candidates, c => Assert.NotNull(c.Score));
        Assert.Contains("method", feature.Decision.Facts.Keys);
    }
}
