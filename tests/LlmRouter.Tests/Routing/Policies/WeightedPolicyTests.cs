using LlmRouter.Configuration;
using LlmRouter.Routing.Policies;
using Microsoft.AspNetCore.Http;
using static LlmRouter.Tests.Routing.RoutingTestKit;

namespace LlmRouter.Tests.Routing.Policies;

public sealed class WeightedPolicyTests
{
    private static RouterCatalog WeightedCatalog(int a, int b, int c, long version = 1) => Catalog(
        new Dictionary<string, DeploymentOptions> { ["a"] = Options(weight: a), ["b"] = Options(weight: b), ["c"] = Options(weight: c) },
        version: version);

    private static List<string> Picks(WeightedPolicy policy, Yarp.ReverseProxy.Model.ClusterState cluster, Yarp.ReverseProxy.Model.DestinationState[] destinations, RouterCatalog catalog, int count)
        => [.. Enumerable.Range(0, count).Select(_ => policy.PickDestination(Context(Feature(catalog)), cluster, destinations)!.DestinationId)];

    [Fact]
    public void PickDestination_Weights511_InterleavesLikeNginx()
    {
        var picks = Picks(new WeightedPolicy(), Cluster(), Destinations("a", "b", "c"), WeightedCatalog(5, 1, 1), 7);

        Assert.Equal(["a", "a", "b", "a", "c", "a", "a"], picks);
    }

    [Fact]
    public void PickDestination_EveryWindowOfSumOfWeights_HoldsExactProportions()
    {
        var picks = Picks(new WeightedPolicy(), Cluster(), Destinations("a", "b", "c"), WeightedCatalog(5, 1, 1), 70);

        for (var start = 0; start + 7 <= picks.Count; start++)
        {
            var window = picks.GetRange(start, 7);
            Assert.Equal(5, window.Count(p => p == "a"));
            Assert.Equal(1, window.Count(p => p == "b"));
            Assert.Equal(1, window.Count(p => p == "c"));
        }
    }

    [Fact]
    public void PickDestination_WeightsFromYarpMetadata_WithoutFeature()
    {
        var policy = new WeightedPolicy();
        var cluster = Cluster();
        var destinations = new[]
        {
            Destination("a", new Dictionary<string, string> { ["Weight"] = "3" }),
            Destination("b", new Dictionary<string, string> { ["Weight"] = "1" }),
        };

        var picks = Enumerable.Range(0, 40).Select(_ => policy.PickDestination(new DefaultHttpContext(), cluster, destinations)!.DestinationId).ToList();

        Assert.Equal(30, picks.Count(p => p == "a"));
        Assert.Equal(10, picks.Count(p => p == "b"));
    }

    [Fact]
    public void PickDestination_ConfigReloadChangesWeights_NewWeightsTakeEffect()
    {
        var policy = new WeightedPolicy();
        var cluster = Cluster();
        var destinations = Destinations("a", "b", "c");
        var before = Picks(policy, cluster, destinations, WeightedCatalog(5, 1, 1, version: 1), 7);

        var after = Picks(policy, cluster, destinations, WeightedCatalog(1, 1, 2, version: 2), 40);

        Assert.Equal(5, before.Count(p => p == "a"));
        Assert.Equal([10, 10, 20], new[] { "a", "b", "c" }.Select(id => after.Count(p => p == id)));
    }

    [Fact]
    public void PickDestination_WeightZero_IsDrained()
    {
        var picks = Picks(new WeightedPolicy(), Cluster(), Destinations("a", "b", "c"), WeightedCatalog(2, 0, 1), 30);

        Assert.DoesNotContain("b", picks);
        Assert.Equal(20, picks.Count(p => p == "a"));
    }

    [Fact]
    public void PickDestination_AllDrained_ReturnsNull()
        => Assert.Null(new WeightedPolicy().PickDestination(Context(Feature(WeightedCatalog(0, 0, 0))), Cluster(), Destinations("a", "b", "c")));

    [Fact]
    public void PickDestination_LargeWeights_ReducedByCommonDivisor()
    {
        var picks = Picks(new WeightedPolicy(), Cluster(), Destinations("a", "b", "c"), WeightedCatalog(500, 100, 100), 7);

        Assert.Equal(["a", "a", "b", "a", "c", "a", "a"], picks);
    }

    [Fact]
    public void PickDestination_ParallelRequests_ExactProportions()
    {
        var policy = new WeightedPolicy();
        var cluster = Cluster();
        var destinations = Destinations("a", "b", "c");
        var feature = Feature(WeightedCatalog(5, 1, 1));
        var counts = new int[3];

        Parallel.For(0, 7_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            var chosen = policy.PickDestination(Context(feature), cluster, destinations)!;
            Interlocked.Increment(ref counts[Array.IndexOf(destinations, chosen)]);
        });

        Assert.Equal([5_000, 1_000, 1_000], counts);
    }

    [Fact]
    public void PickDestination_Explain_ReportsWeightsAndDrained()
    {
        var feature = Feature(WeightedCatalog(2, 0, 1), explain: true);

        new WeightedPolicy().PickDestination(Context(feature), Cluster(), Destinations("a", "b", "c"));

        Assert.Equal([2.0, 0.0, 1.0], feature.Decision!.Candidates.Select(c => c.Score!.Value));
        Assert.Contains("drained", feature.Decision.Candidates[1].Reason, StringComparison.Ordinal);
        Assert.Equal("a", feature.Decision.Chosen);
    }
}
