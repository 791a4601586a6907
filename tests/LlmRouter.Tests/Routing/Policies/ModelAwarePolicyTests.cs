using LlmRouter.Configuration;
using LlmRouter.Routing;
using LlmRouter.Routing.Policies;
using LlmRouter.Routing.Stats;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using static LlmRouter.Tests.Routing.RoutingTestKit;

namespace LlmRouter.Tests.Routing.Policies;

public sealed class ModelAwarePolicyTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly LiveStatsStore _stats;
    private readonly ModelAwarePolicy _policy;

    public ModelAwarePolicyTests()
    {
        _stats = new LiveStatsStore(_time);
        _policy = new ModelAwarePolicy(_stats);
    }

    private string Pick(RouterCatalog catalog, string? priority, bool explain = false, ChatRoutingFeature? feature = null)
    {
        feature ??= Feature(catalog, explain: explain);
        var context = priority is null ? Context(feature) : Context(feature, (RoutingRequestHeaders.Priority, priority));
        return _policy.PickDestination(context, Cluster(), Destinations("gpt-4", "gemini", "claude"))!.DestinationId;
    }

    [Theory]
    [InlineData("accuracy", "gemini")]
    [InlineData("creativity", "gpt-4")]
    [InlineData("ethics", "claude")]
    [InlineData("speed", "claude")]
    [InlineData("Accuracy", "gemini")]
    public void PickDestination_ShippedProfilesNoLiveData_PriorityPicksExpectedDeployment(string priority, string expected)
        => Assert.Equal(expected, Pick(Catalog(ShippedDeployments()), priority));

    [Theory]
    [InlineData("cost", "gemini")]
    [InlineData("accuracy=0.2,cost=0.8", "gemini")]
    [InlineData("ethics=0.7,speed=0.3", "claude")]
    [InlineData("creativity=0.9,accuracy=0.1", "gpt-4")]
    public void PickDestination_WeightedPriority_BlendsDimensions(string priority, string expected)
        => Assert.Equal(expected, Pick(Catalog(ShippedDeployments()), priority));

    [Fact]
    public void PickDestination_NoHeader_UsesRouteDefaultPriority()
        => Assert.Equal("claude", Pick(Catalog(ShippedDeployments(), new RouteOptions { DefaultPriority = "ethics" }), null));

    [Fact]
    public void PickDestination_InvalidHeader_FallsBackToRouteDefault()
        => Assert.Equal("gemini", Pick(Catalog(ShippedDeployments(), new RouteOptions { DefaultPriority = "accuracy" }), "accuracy=lots"));

    [Fact]
    public void PickDestination_AccurateDeploymentStartsFailing_LosesRank()
    {
        var catalog = Catalog(ShippedDeployments());
        Assert.Equal("gemini", Pick(catalog, "accuracy"));

        for (var i = 0; i < 5; i++)
        {
            _stats.Get("gemini").Record(new UpstreamOutcome(false, 500, TimeSpan.FromMilliseconds(30)));
            _time.Advance(TimeSpan.FromMilliseconds(50));
        }

        Assert.Equal("gpt-4", Pick(catalog, "accuracy"));
    }

    [Fact]
    public void PickDestination_FastDeploymentBecomesTenTimesSlower_LosesSpeedRank()
    {
        var catalog = Catalog(ShippedDeployments());
        _stats.Get("gpt-4").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(200)));
        _stats.Get("gemini").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(200)));
        _stats.Get("claude").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(200)));
        Assert.Equal("claude", Pick(catalog, "speed"));

        _stats.Get("claude").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(2000)));

        Assert.Equal("gpt-4", Pick(catalog, "speed"));
    }

    [Fact]
    public void PickDestination_LiveWeightZero_IgnoresMeasurements()
    {
        var catalog = Catalog(ShippedDeployments(), new RouteOptions { LiveWeight = 0 });
        _stats.Get("claude").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(5000)));
        _stats.Get("gpt-4").Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(100)));

        Assert.Equal("claude", Pick(catalog, "speed"));
    }

    [Fact]
    public void PickDestination_CoolingDown_RanksLast()
    {
        var catalog = Catalog(ShippedDeployments());
        _stats.Get("claude").CoolDown(_time.GetUtcNow().AddSeconds(30));

        Assert.Equal("gpt-4", Pick(catalog, "ethics"));
    }

    [Fact]
    public void PickDestination_WithoutFeature_ReadsProfileFromYarpMetadata()
    {
        var destinations = new[]
        {
            Destination("fast", new Dictionary<string, string> { ["Profile.speed"] = "90", ["Profile.accuracy"] = "40" }),
            Destination("smart", new Dictionary<string, string> { ["Profile.speed"] = "30", ["Profile.accuracy"] = "95" }),
        };

        Assert.Equal("fast", _policy.PickDestination(Context(null, (RoutingRequestHeaders.Priority, "speed")), Cluster(), destinations)!.DestinationId);
        Assert.Equal("smart", _policy.PickDestination(Context(null, (RoutingRequestHeaders.Priority, "accuracy")), Cluster(), destinations)!.DestinationId);
    }

    [Fact]
    public void PickDestination_Explain_RecordsScoresAndPriority()
    {
        var feature = Feature(Catalog(ShippedDeployments()), explain: true);

        var chosen = Pick(Catalog(ShippedDeployments()), "accuracy=0.7,cost=0.3", feature: feature);

        Assert.Equal(PolicyNames.ModelAware, feature.Decision!.Policy);
        Assert.Equal(chosen, feature.Decision.Chosen);
        Assert.Equal("accuracy=0.7,cost=0.3", feature.Decision.Facts["priority"]);
        Assert.Equal("header", feature.Decision.Facts["prioritySource"]);
        var best = feature.Decision.Candidates.MaxBy(c => c.Score!.Value)!;
        Assert.Equal(chosen, best.Deployment);
    }

    [Fact]
    public void DerivedCost_CheapestScores100_EachPriceDoublingCosts25()
    {
        var profiles = DeploymentProfiles.FromCatalog(Catalog(ShippedDeployments()));

        Assert.Equal(100, profiles["gemini"].Score("cost"), 6);
        Assert.Equal(100 - (25 * Math.Log2(3)), profiles["claude"].Score("cost"), 6);
        Assert.Equal(100 - (25 * Math.Log2(6)), profiles["gpt-4"].Score("cost"), 6);
    }

    [Theory]
    [InlineData("accuracy", "accuracy=1")]
    [InlineData("accuracy=0.7, cost=0.3", "accuracy=0.7,cost=0.3")]
    [InlineData("speed=2,ethics=2", "speed=0.5,ethics=0.5")]
    public void PriorityWeights_Parse_Normalises(string text, string expected)
    {
        Assert.True(PriorityWeights.TryParse(text, out var priority));
        Assert.Equal(expected, priority.Description);
    }

    [Theory]
    [InlineData("")]
    [InlineData("accuracy=abc")]
    [InlineData("accuracy=-1")]
    [InlineData("speed=0")]
    [InlineData("drop table;")]
    public void PriorityWeights_Parse_RejectsInvalid(string text)
        => Assert.False(PriorityWeights.TryParse(text, out _));
}
