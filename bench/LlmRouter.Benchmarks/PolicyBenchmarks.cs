using BenchmarkDotNet.Attributes;
using LlmRouter.Configuration;
using LlmRouter.Routing.Classification;
using LlmRouter.Routing.Policies;
using LlmRouter.Routing.Stats;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Benchmarks;

/// <summary>Cost of one <c>PickDestination</c> over three deployments with the routing feature a real request carries.</summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private readonly ClusterState _cluster = new("route:bench");
    private DestinationState[] _destinations = [];
    private HttpContext _plain = null!;
    private HttpContext _hashed = null!;
    private HttpContext _prioritised = null!;
    private HttpContext _categorised = null!;
    private HttpContext _contextualModelAware = null!;
    private RoundRobinPolicy _roundRobin = null!;
    private WeightedPolicy _weighted = null!;
    private LeastConnectionsPolicy _leastConnections = null!;
    private AdaptivePolicy _adaptive = null!;
    private ConsistentHashPolicy _consistentHash = null!;
    private ModelAwarePolicy _modelAware = null!;
    private ContextualPolicy _contextual = null!;

    [GlobalSetup]
    public void Setup()
    {
        _destinations = BenchmarkFixture.Destinations();
        _destinations[0].ConcurrentRequestCount = 3;
        _destinations[1].ConcurrentRequestCount = 1;
        _destinations[2].ConcurrentRequestCount = 2;

        var stats = new LiveStatsStore(TimeProvider.System);
        foreach (var destination in _destinations)
        {
            stats.Get(destination.DestinationId).Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(120), 200));
        }

        _plain = BenchmarkFixture.Context(new RouteOptions());
        _hashed = BenchmarkFixture.Context(new RouteOptions());
        _prioritised = BenchmarkFixture.Context(new RouteOptions(), (RoutingRequestHeaders.Priority, "accuracy=0.7,cost=0.3"));
        _categorised = BenchmarkFixture.Context(new RouteOptions(), (RoutingRequestHeaders.Category, "technical"));
        _contextualModelAware = BenchmarkFixture.Context(new RouteOptions { TieBreaker = "ModelAware", DefaultPriority = "accuracy" });

        _roundRobin = new RoundRobinPolicy();
        _weighted = new WeightedPolicy();
        _leastConnections = new LeastConnectionsPolicy(stats);
        _adaptive = new AdaptivePolicy(stats);
        _consistentHash = new ConsistentHashPolicy();
        _modelAware = new ModelAwarePolicy(stats);
        _contextual = new ContextualPolicy(
            PromptClassifier.Train(ClassifierExamples.LoadDefaults()),
            _leastConnections,
            _roundRobin,
            _weighted,
            _adaptive,
            _consistentHash,
            _modelAware);
    }

    [Benchmark]
    public DestinationState? RoundRobinPolicy() => _roundRobin.PickDestination(_plain, _cluster, _destinations);

    [Benchmark]
    public DestinationState? WeightedPolicy() => _weighted.PickDestination(_plain, _cluster, _destinations);

    [Benchmark]
    public DestinationState? LeastConnectionsPolicy() => _leastConnections.PickDestination(_plain, _cluster, _destinations);

    [Benchmark]
    public DestinationState? AdaptivePolicy() => _adaptive.PickDestination(_plain, _cluster, _destinations);

    /// <summary>Key from the request's <c>user</c> field.</summary>
    [Benchmark]
    public DestinationState? ConsistentHashPolicy() => _consistentHash.PickDestination(_hashed, _cluster, _destinations);

    [Benchmark]
    public DestinationState? ModelAwarePolicy() => _modelAware.PickDestination(_prioritised, _cluster, _destinations);

    /// <summary>Classifies the last user message, then the LeastConnections tie-breaker.</summary>
    [Benchmark]
    public DestinationState? ContextualPolicy_Classified() => _contextual.PickDestination(_plain, _cluster, _destinations);

    [Benchmark]
    public DestinationState? ContextualPolicy_CategoryHeader() => _contextual.PickDestination(_categorised, _cluster, _destinations);

    /// <summary>The <c>auto</c> route's shape: classification, then model-aware tie-breaking.</summary>
    [Benchmark]
    public DestinationState? ContextualPolicy_ModelAwareTieBreaker() => _contextual.PickDestination(_contextualModelAware, _cluster, _destinations);
}
