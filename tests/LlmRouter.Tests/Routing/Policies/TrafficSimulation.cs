using LlmRouter.Routing.Stats;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Tests.Routing.Policies;

/// <summary>
/// A discrete-event stand-in for upstreams: a request arrives every <see cref="ArrivalInterval"/> of fake time, the policy
/// picks, the destination's in-flight count rises until the simulated response completes, and the outcome feeds the live
/// stats store exactly as the forwarding path does. <see cref="Behaviour"/> decides each deployment's latency and success.
/// </summary>
internal sealed class TrafficSimulation
{
    private readonly ILoadBalancingPolicy _policy;
    private readonly ClusterState _cluster = new("simulated");
    private readonly PriorityQueue<(DestinationState Destination, UpstreamOutcome Outcome), DateTimeOffset> _pending = new();
    private readonly Func<HttpContext> _contextFactory;

    public TrafficSimulation(Func<LiveStatsStore, ILoadBalancingPolicy> policy, string[] ids, Func<HttpContext>? contextFactory = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Stats = new LiveStatsStore(Time);
        _policy = policy(Stats);
        Destinations = RoutingTestKit.Destinations(ids);
        _contextFactory = contextFactory ?? (() => new DefaultHttpContext());
        Behaviour = _ => (TimeSpan.FromMilliseconds(100), true);
    }

    public FakeTimeProvider Time { get; }

    public LiveStatsStore Stats { get; }

    public DestinationState[] Destinations { get; }

    public TimeSpan ArrivalInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    public Func<string, (TimeSpan Latency, bool Success)> Behaviour { get; set; }

    /// <summary>Sends <paramref name="requests"/> requests and returns how many each deployment received.</summary>
    public Dictionary<string, int> Run(int requests)
    {
        var counts = Destinations.ToDictionary(d => d.DestinationId, _ => 0);
        for (var i = 0; i < requests; i++)
        {
            Time.Advance(ArrivalInterval);
            CompleteDue();
            var chosen = _policy.PickDestination(_contextFactory(), _cluster, Destinations)
                ?? throw new InvalidOperationException("The policy picked nothing.");
            counts[chosen.DestinationId]++;
            chosen.ConcurrentRequestCount++;
            var (latency, success) = Behaviour(chosen.DestinationId);
            var outcome = new UpstreamOutcome(success, success ? 200 : 500, latency, ErrorType: success ? null : "server_error");
            _pending.Enqueue((chosen, outcome), Time.GetUtcNow() + latency);
        }

        return counts;
    }

    /// <summary>Lets every in-flight request finish, then idles for <paramref name="idle"/>.</summary>
    public void Drain(TimeSpan idle)
    {
        while (_pending.TryPeek(out _, out var due))
        {
            Time.SetUtcNow(due);
            CompleteDue();
        }

        Time.Advance(idle);
    }

    private void CompleteDue()
    {
        var now = Time.GetUtcNow();
        while (_pending.TryPeek(out var next, out var due) && due <= now)
        {
            _pending.Dequeue();
            next.Destination.ConcurrentRequestCount--;
            Stats.Get(next.Destination.DestinationId).Record(next.Outcome);
        }
    }
}
