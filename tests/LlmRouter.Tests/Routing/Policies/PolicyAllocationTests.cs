using LlmRouter.Routing.Classification;
using LlmRouter.Routing.Policies;
using LlmRouter.Routing.Stats;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.LoadBalancing;
using static LlmRouter.Tests.Routing.RoutingTestKit;

namespace LlmRouter.Tests.Routing.Policies;

public sealed class PolicyAllocationTests
{
    public static TheoryData<string> PolicyNamesUnderTest => ["RoundRobin", "Weighted", "LeastConnections", "Adaptive", "ConsistentHash", "ModelAware", "Contextual"];

    [Theory]
    [MemberData(nameof(PolicyNamesUnderTest))]
    public void PickDestination_SteadyState_AllocatesNothing(string name)
    {
        var stats = new LiveStatsStore(new FakeTimeProvider());
        var destinations = Destinations("gpt-4", "gemini", "claude");
        foreach (var destination in destinations)
        {
            stats.Get(destination.DestinationId).Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(300)));
        }

        var leastConnections = new LeastConnectionsPolicy(stats);
        ILoadBalancingPolicy policy = name switch
        {
            "RoundRobin" => new RoundRobinPolicy(),
            "Weighted" => new WeightedPolicy(),
            "LeastConnections" => leastConnections,
            "Adaptive" => new AdaptivePolicy(stats),
            "ConsistentHash" => new ConsistentHashPolicy(),
            "ModelAware" => new ModelAwarePolicy(stats),
            _ => new ContextualPolicy(PromptClassifier.Train(ClassifierExamples.LoadDefaults()), leastConnections, new RoundRobinPolicy(), new WeightedPolicy(), new AdaptivePolicy(stats), new ConsistentHashPolicy(), new ModelAwarePolicy(stats)),
        };
        var context = Context(
            Feature(Catalog(ShippedDeployments()), UserBody("My build fails after upgrading the compiler", system: "Be brief.", user: "u-1")),
            (RoutingRequestHeaders.Priority, "accuracy=0.7,cost=0.3"));
        var cluster = Cluster();
        for (var i = 0; i < 100; i++)
        {
            policy.PickDestination(context, cluster, destinations);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            policy.PickDestination(context, cluster, destinations);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
