using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Routing.Policies;

/// <summary>
/// Strict rotation over the available deployments. One atomic counter per cluster makes it fair under concurrent
/// requests: N × k parallel picks over N deployments give each exactly k.
/// </summary>
internal sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    private readonly ConditionalWeakTable<ClusterState, StrongBox<long>> _counters = new();

    public string Name => PolicyNames.RoundRobin;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        var count = availableDestinations.Count;
        if (count == 0)
        {
            return null;
        }

        var counter = _counters.GetValue(cluster, static _ => new StrongBox<long>());
        var ticket = Interlocked.Increment(ref counter.Value) - 1;
        var index = (int)((ulong)ticket % (uint)count);
        var chosen = availableDestinations[index];

        var feature = context.Features.Get<ChatRoutingFeature>();
        if (feature is { Explain: true })
        {
            var decision = new RoutingDecision(Name) { Chosen = chosen.DestinationId };
            for (var i = 0; i < count; i++)
            {
                decision.Candidates.Add(new CandidateScore(
                    availableDestinations[i].DestinationId,
                    null,
                    i == index ? "next in rotation" : FormattableString.Invariant($"{(i - index + count) % count} turns away")));
            }

            decision.Facts["rotation"] = ticket.ToString(System.Globalization.CultureInfo.InvariantCulture);
            feature.Decision = decision;
        }

        return chosen;
    }
}
