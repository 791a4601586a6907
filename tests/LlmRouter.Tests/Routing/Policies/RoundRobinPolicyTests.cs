using LlmRouter.Routing;
using LlmRouter.Routing.Policies;
using Microsoft.AspNetCore.Http;
using static LlmRouter.Tests.Routing.RoutingTestKit;

namespace LlmRouter.Tests.Routing.Policies;

public sealed class RoundRobinPolicyTests
{
    [Fact]
    public void PickDestination_Sequential_RotatesInOrder()
    {
        var policy = new RoundRobinPolicy();
        var cluster = Cluster();
        var destinations = Destinations("a", "b", "c");

        var picks = Enumerable.Range(0, 6).Select(_ => policy.PickDestination(new DefaultHttpContext(), cluster, destinations)!.DestinationId);

        Assert.Equal(["a", "b", "c", "a", "b", "c"], picks);
    }

    [Fact]
    public void PickDestination_ParallelRequests_GivesEachDestinationExactlyItsShare()
    {
        var policy = new RoundRobinPolicy();
        var cluster = Cluster();
        var destinations = Destinations("a", "b", "c");
        var counts = new int[3];

        Parallel.For(0, 30_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            var chosen = policy.PickDestination(new DefaultHttpContext(), cluster, destinations)!;
            Interlocked.Increment(ref counts[Array.IndexOf(destinations, chosen)]);
        });

        Assert.Equal([10_000, 10_000, 10_000], counts);
    }

    [Fact]
    public void PickDestination_SeparateClusters_KeepSeparateRotations()
    {
        var policy = new RoundRobinPolicy();
        var destinations = Destinations("a", "b");

        policy.PickDestination(new DefaultHttpContext(), Cluster("one"), destinations);

        Assert.Equal("a", policy.PickDestination(new DefaultHttpContext(), Cluster("two"), destinations)!.DestinationId);
    }

    [Fact]
    public void PickDestination_NoDestinations_ReturnsNull()
        => Assert.Null(new RoundRobinPolicy().PickDestination(new DefaultHttpContext(), Cluster(), []));

    [Fact]
    public void PickDestination_Explain_RecordsEveryCandidate()
    {
        var catalog = Catalog(ShippedDeployments());
        var feature = Feature(catalog, explain: true);

        var chosen = new RoundRobinPolicy().PickDestination(Context(feature), Cluster(), Destinations("gpt-4", "gemini", "claude"));

        Assert.NotNull(feature.Decision);
        Assert.Equal(PolicyNames.RoundRobin, feature.Decision.Policy);
        Assert.Equal(chosen!.DestinationId, feature.Decision.Chosen);
        Assert.Equal(["gpt-4", "gemini", "claude"], feature.Decision.Candidates.Select(c => c.Deployment));
    }
}
