using System.Globalization;
using LlmRouter.Routing.Stats;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Routing.Policies;

/// <summary>
/// Power of two choices over a cost from live measurements: peak-EWMA latency (time to first token for streams)
/// × (in-flight + 1) × an error-rate penalty; a Retry-After cooldown makes a deployment ineligible. The store decays
/// errors over time, and a deployment nobody has measured for <see cref="ProbeInterval"/> (or ever) gets one probe
/// request per interval, so a new or recovered deployment is re-measured and wins traffic back instead of starving.
/// </summary>
internal sealed class AdaptivePolicy : ILoadBalancingPolicy
{
    /// <summary>How long a deployment may go unmeasured before one request probes it.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(5);

    /// <summary>Latency assumed before the first measurement (Helicone and Finagle use similar priors).</summary>
    internal const double DefaultLatencyMs = 250;

    /// <summary>Cost multiplier per unit of error rate: 10 % errors doubles the cost, 50 % makes it 6×.</summary>
    internal const double ErrorPenalty = 10;

    /// <summary>Costs closer than this ratio are measurement noise; the pick between them is random.</summary>
    internal const double TieBand = 1.1;

    private readonly LiveStatsStore _stats;

    public AdaptivePolicy(LiveStatsStore stats)
    {
        _stats = stats;
    }

    public string Name => PolicyNames.Adaptive;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        var count = availableDestinations.Count;
        if (count == 0)
        {
            return null;
        }

        var feature = context.Features.Get<ChatRoutingFeature>();
        var stream = feature?.Request.Stream ?? false;
        var now = _stats.Time.GetUtcNow();
        var nowTicks = now.UtcTicks;

        DestinationState? chosen = null;
        string? probed = null;
        var start = count == 1 ? 0 : Random.Shared.Next(count);
        for (var k = 0; k < count; k++)
        {
            var destination = availableDestinations[(start + k) % count];
            var stats = _stats.Get(destination.DestinationId);
            if (!stats.IsCoolingDown(nowTicks) && stats.TryClaimProbe(nowTicks, ProbeInterval.Ticks))
            {
                chosen = destination;
                probed = destination.DestinationId;
                break;
            }
        }

        if (chosen is null)
        {
            if (count == 1)
            {
                chosen = availableDestinations[0];
            }
            else
            {
                var first = Random.Shared.Next(count);
                var second = Random.Shared.Next(count - 1);
                if (second >= first)
                {
                    second++;
                }

                var a = availableDestinations[first];
                var b = availableDestinations[second];
                var costA = Cost(_stats.Get(a.DestinationId).Snapshot(now), a.ConcurrentRequestCount, stream);
                var costB = Cost(_stats.Get(b.DestinationId).Snapshot(now), b.ConcurrentRequestCount, stream);
                chosen = costA * TieBand < costB ? a
                    : costB * TieBand < costA ? b
                    : Random.Shared.Next(2) == 0 ? a : b;
            }
        }

        if (feature is { Explain: true })
        {
            var decision = new RoutingDecision(Name) { Chosen = chosen.DestinationId };
            foreach (var destination in availableDestinations)
            {
                var snapshot = _stats.Get(destination.DestinationId).Snapshot(now);
                var load = destination.ConcurrentRequestCount;
                var cost = Cost(snapshot, load, stream);
                decision.Candidates.Add(new CandidateScore(
                    destination.DestinationId,
                    double.IsPositiveInfinity(cost) ? null : -cost,
                    PolicyExplanation.Describe(snapshot, load)));
            }

            decision.Facts["method"] = probed is null ? "power of two choices (lower cost wins)" : "probe of an unmeasured or idle deployment";
            decision.Facts["latencySignal"] = stream ? "time to first token" : "latency";
            decision.Facts["cost"] = string.Create(CultureInfo.InvariantCulture, $"latency ms × (in-flight + 1) × (1 + {ErrorPenalty} × error rate)");
            feature.Decision = decision;
        }

        return chosen;
    }

    /// <summary>Lower is better; infinite while cooling down.</summary>
    internal static double Cost(in DeploymentStatsSnapshot stats, int inFlight, bool stream)
    {
        if (stats.IsCoolingDown)
        {
            return double.PositiveInfinity;
        }

        var latency = !stats.HasSamples ? DefaultLatencyMs
            : stream && stats.TimeToFirstTokenEwmaMs > 0 ? stats.TimeToFirstTokenEwmaMs
            : stats.LatencyEwmaMs;
        return Math.Max(latency, 1) * (inFlight + 1) * (1 + (ErrorPenalty * stats.ErrorRate));
    }
}
