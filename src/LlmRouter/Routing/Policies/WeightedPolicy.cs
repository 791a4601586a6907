using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Routing.Policies;

/// <summary>
/// Smooth weighted round-robin (nginx) over deployment weights; weight 0 drains a deployment. The schedule is
/// rebuilt only when the destination list or a weight changes (a configuration reload), so picks stay allocation-free.
/// </summary>
internal sealed class WeightedPolicy : ILoadBalancingPolicy
{
    private readonly ConditionalWeakTable<ClusterState, StrongBox<WeightedSchedule?>> _schedules = new();

    public string Name => PolicyNames.Weighted;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        if (availableDestinations.Count == 0)
        {
            return null;
        }

        var feature = context.Features.Get<ChatRoutingFeature>();
        var holder = _schedules.GetValue(cluster, static _ => new StrongBox<WeightedSchedule?>());
        var schedule = Volatile.Read(ref holder.Value);
        if (schedule is null || !schedule.Matches(feature, availableDestinations))
        {
            schedule = WeightedSchedule.Build(feature, availableDestinations);
            Volatile.Write(ref holder.Value, schedule);
        }

        var sequence = schedule.Sequence;
        DestinationState? chosen = null;
        if (sequence.Length > 0)
        {
            chosen = availableDestinations[sequence[(int)((ulong)schedule.NextTicket() % (uint)sequence.Length)]];
        }

        if (feature is { Explain: true })
        {
            var decision = new RoutingDecision(Name) { Chosen = chosen?.DestinationId };
            for (var i = 0; i < availableDestinations.Count; i++)
            {
                var weight = schedule.Weight(i);
                decision.Candidates.Add(new CandidateScore(
                    availableDestinations[i].DestinationId,
                    weight,
                    weight == 0 ? "drained (weight 0)" : ReferenceEquals(availableDestinations[i], chosen) ? "next in the weighted schedule" : "weight " + weight.ToString(CultureInfo.InvariantCulture)));
            }

            decision.Facts["period"] = sequence.Length.ToString(CultureInfo.InvariantCulture);
            feature.Decision = decision;
        }

        return chosen;
    }
}
