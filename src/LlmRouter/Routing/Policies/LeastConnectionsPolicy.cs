using System.Globalization;
using LlmRouter.Routing.Stats;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Routing.Policies;

/// <summary>
/// Fewest in-flight requests (YARP counts a stream until its last byte); ties go to the higher weight, then to a
/// random one of the tied. Deployments in a Retry-After cooldown are skipped unless every deployment is cooling down.
/// </summary>
internal sealed class LeastConnectionsPolicy : ILoadBalancingPolicy
{
    private readonly LiveStatsStore _stats;

    public LeastConnectionsPolicy(LiveStatsStore stats)
    {
        _stats = stats;
    }

    public string Name => PolicyNames.LeastConnections;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        if (availableDestinations.Count == 0)
        {
            return null;
        }

        var feature = context.Features.Get<ChatRoutingFeature>();
        var nowTicks = _stats.Time.GetUtcNow().UtcTicks;
        var chosen = Pick(feature, availableDestinations, nowTicks, skipCoolingDown: true)
            ?? Pick(feature, availableDestinations, nowTicks, skipCoolingDown: false);

        if (feature is { Explain: true })
        {
            var decision = new RoutingDecision(Name) { Chosen = chosen?.DestinationId };
            foreach (var destination in availableDestinations)
            {
                var load = destination.ConcurrentRequestCount;
                var cooling = _stats.Get(destination.DestinationId).IsCoolingDown(nowTicks);
                decision.Candidates.Add(new CandidateScore(
                    destination.DestinationId,
                    -load,
                    string.Create(CultureInfo.InvariantCulture, $"in-flight {load}, weight {DeploymentProfiles.Get(feature, destination).Weight}{(cooling ? ", cooling down" : string.Empty)}")));
            }

            feature.Decision = decision;
        }

        return chosen;
    }

    private DestinationState? Pick(ChatRoutingFeature? feature, IReadOnlyList<DestinationState> destinations, long nowTicks, bool skipCoolingDown)
    {
        DestinationState? best = null;
        var bestLoad = int.MaxValue;
        var bestWeight = int.MinValue;
        var ties = 0;
        for (var i = 0; i < destinations.Count; i++)
        {
            var destination = destinations[i];
            if (skipCoolingDown && _stats.Get(destination.DestinationId).IsCoolingDown(nowTicks))
            {
                continue;
            }

            var load = destination.ConcurrentRequestCount;
            if (load > bestLoad)
            {
                continue;
            }

            var weight = DeploymentProfiles.Get(feature, destination).Weight;
            if (load < bestLoad || weight > bestWeight)
            {
                best = destination;
                bestLoad = load;
                bestWeight = weight;
                ties = 1;
            }
            else if (weight == bestWeight && Random.Shared.Next(++ties) == 0)
            {
                // Reservoir sampling: each of the tied is kept with equal probability, without a list.
                best = destination;
            }
        }

        return best;
    }
}
