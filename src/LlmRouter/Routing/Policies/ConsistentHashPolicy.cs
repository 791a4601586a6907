using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Routing.Policies;

/// <summary>
/// Consistent hashing with bounded loads (Mirrokni et al.; Envoy's hash_balance_factor): the key's owner on the ring
/// takes the request unless it already carries c × the average in-flight load, in which case the ring is walked to the
/// next deployment under the cap. The key comes from the route's sources (default: header
/// <c>x-llmrouter-hash-key</c>, then <c>user</c>, then the prompt prefix). Without any key the least-loaded
/// deployment takes the request.
/// </summary>
internal sealed class ConsistentHashPolicy : ILoadBalancingPolicy
{
    /// <summary>Load factor c used when the request has no route options.</summary>
    public const double DefaultLoadFactor = 1.25;

    private readonly ConditionalWeakTable<ClusterState, StrongBox<HashRing?>> _rings = new();

    public string Name => PolicyNames.ConsistentHash;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        var count = availableDestinations.Count;
        if (count == 0)
        {
            return null;
        }

        var feature = context.Features.Get<ChatRoutingFeature>();
        var loadFactor = feature is null ? DefaultLoadFactor : Math.Max(1, feature.Route.Options.LoadFactor);
        var totalLoad = 0L;
        for (var i = 0; i < count; i++)
        {
            totalLoad += Math.Max(0, availableDestinations[i].ConcurrentRequestCount);
        }

        // Cap counts the request being placed, so some deployment is always under it.
        var cap = (long)Math.Ceiling(loadFactor * (totalLoad + 1) / count);

        DestinationState? chosen = null;
        var hasKey = HashKeyReader.TryGetKey(context, feature, out var key, out var sourceIndex);
        var ringStart = -1;
        var steps = 0;
        if (hasKey)
        {
            var holder = _rings.GetValue(cluster, static _ => new StrongBox<HashRing?>());
            var ring = Volatile.Read(ref holder.Value);
            if (ring is null || !ring.Matches(availableDestinations))
            {
                ring = HashRing.Build(availableDestinations);
                Volatile.Write(ref holder.Value, ring);
            }

            ringStart = ring.Locate(key);
            var rejected = 0UL;
            for (; steps < ring.PointCount; steps++)
            {
                var owner = ring.OwnerAt(ringStart, steps);
                if (owner < 64 && (rejected & (1UL << owner)) != 0)
                {
                    continue;
                }

                var candidate = availableDestinations[owner];
                if (candidate.ConcurrentRequestCount + 1 <= cap)
                {
                    chosen = candidate;
                    break;
                }

                if (owner < 64)
                {
                    rejected |= 1UL << owner;
                }
            }
        }

        chosen ??= LeastLoaded(availableDestinations);

        if (feature is { Explain: true })
        {
            Explain(feature, availableDestinations, chosen, hasKey, sourceIndex, key, cap, loadFactor, steps);
        }

        return chosen;
    }

    private static DestinationState LeastLoaded(IReadOnlyList<DestinationState> destinations)
    {
        var best = destinations[0];
        for (var i = 1; i < destinations.Count; i++)
        {
            if (destinations[i].ConcurrentRequestCount < best.ConcurrentRequestCount)
            {
                best = destinations[i];
            }
        }

        return best;
    }

    private void Explain(ChatRoutingFeature feature, IReadOnlyList<DestinationState> destinations, DestinationState chosen, bool hasKey, int sourceIndex, ulong key, long cap, double loadFactor, int steps)
    {
        var decision = new RoutingDecision(Name) { Chosen = chosen.DestinationId };
        var sources = HashKeySource.ForRoute(feature.Route.Options);
        decision.Facts["hashKeySource"] = hasKey ? sources[sourceIndex].Label : "none (least loaded)";
        if (hasKey)
        {
            decision.Facts["hashKey"] = key.ToString("x16", CultureInfo.InvariantCulture);
            decision.Facts["ringSteps"] = steps.ToString(CultureInfo.InvariantCulture);
        }

        decision.Facts["loadCap"] = string.Create(CultureInfo.InvariantCulture, $"{cap} in-flight (c = {loadFactor})");
        foreach (var destination in destinations)
        {
            var load = destination.ConcurrentRequestCount;
            var reason = ReferenceEquals(destination, chosen)
                ? (hasKey ? (steps == 0 ? "owns the key on the ring" : "next on the ring under the load cap") : "least loaded")
                : load + 1 > cap ? "at the load cap" : "not the key's owner";
            decision.Candidates.Add(new CandidateScore(destination.DestinationId, null, string.Create(CultureInfo.InvariantCulture, $"{reason}; in-flight {load}")));
        }

        feature.Decision = decision;
    }
}
