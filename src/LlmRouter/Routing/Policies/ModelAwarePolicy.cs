using System.Collections.Concurrent;
using System.Globalization;
using LlmRouter.Routing.Stats;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Routing.Policies;

/// <summary>
/// Scores every deployment's capability profile under the request's priority (header <c>x-llmrouter-priority</c>, else
/// the route's <c>DefaultPriority</c>, else equal weights) and picks the best. Live measurements are blended in with the
/// route's <c>LiveWeight</c> w: speed becomes (1 − w) × profile speed + w × live speed (100 for the fastest measured
/// deployment, proportionally less for slower ones), and the error rate costs w × 100 × rate points, so a deployment
/// that degrades loses rank. A deployment in a Retry-After cooldown ranks last. Ties go to the fewer in-flight.
/// </summary>
internal sealed class ModelAwarePolicy : ILoadBalancingPolicy
{
    public const string SpeedDimension = "speed";

    /// <summary>Live weight used when the request has no route options (a plain YARP cluster).</summary>
    public const double DefaultLiveWeight = 0.5;

    private const double CooldownPenalty = 1000;
    private const int MaxCachedPriorities = 1024;
    private const int StackCandidates = 16;

    private readonly LiveStatsStore _stats;

    // Priority strings repeat (a handful per client), so each is parsed once; null caches "invalid".
    private readonly ConcurrentDictionary<string, PriorityWeights?> _priorities = new(StringComparer.Ordinal);

    public ModelAwarePolicy(LiveStatsStore stats)
    {
        _stats = stats;
    }

    public string Name => PolicyNames.ModelAware;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        var count = availableDestinations.Count;
        if (count == 0)
        {
            return null;
        }

        var feature = context.Features.Get<ChatRoutingFeature>();
        var (priority, prioritySource) = ResolvePriority(context, feature);
        var liveWeight = feature is null ? DefaultLiveWeight : Math.Clamp(feature.Route.Options.LiveWeight, 0, 1);
        var now = _stats.Time.GetUtcNow();

        Span<double> latencies = count <= StackCandidates ? stackalloc double[StackCandidates] : new double[count];
        Span<double> errorRates = count <= StackCandidates ? stackalloc double[StackCandidates] : new double[count];
        Span<bool> cooling = count <= StackCandidates ? stackalloc bool[StackCandidates] : new bool[count];
        var fastest = double.MaxValue;
        for (var i = 0; i < count; i++)
        {
            var snapshot = _stats.Get(availableDestinations[i].DestinationId).Snapshot(now);
            latencies[i] = snapshot.HasSamples ? Math.Max(snapshot.LatencyEwmaMs, 1) : 0;
            errorRates[i] = snapshot.ErrorRate;
            cooling[i] = snapshot.IsCoolingDown;
            if (latencies[i] > 0 && latencies[i] < fastest)
            {
                fastest = latencies[i];
            }
        }

        DestinationState? best = null;
        var bestScore = double.NegativeInfinity;
        for (var i = 0; i < count; i++)
        {
            var destination = availableDestinations[i];
            var score = Score(DeploymentProfiles.Get(feature, destination), priority, liveWeight, latencies[i], fastest, errorRates[i], cooling[i]);
            if (best is null || score > bestScore || (score == bestScore && destination.ConcurrentRequestCount < best.ConcurrentRequestCount))
            {
                best = destination;
                bestScore = score;
            }
        }

        if (feature is { Explain: true })
        {
            var decision = new RoutingDecision(Name) { Chosen = best!.DestinationId };
            decision.Facts["priority"] = priority.Description;
            decision.Facts["prioritySource"] = prioritySource;
            decision.Facts["liveWeight"] = liveWeight.ToString(CultureInfo.InvariantCulture);
            for (var i = 0; i < count; i++)
            {
                var destination = availableDestinations[i];
                var profile = DeploymentProfiles.Get(feature, destination);
                var score = Score(profile, priority, liveWeight, latencies[i], fastest, errorRates[i], cooling[i]);
                var live = latencies[i] > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"live latency {latencies[i]:F0} ms, errors {errorRates[i]:P0}")
                    : "no live data";
                decision.Candidates.Add(new CandidateScore(
                    destination.DestinationId,
                    Math.Round(score, 3),
                    string.Create(CultureInfo.InvariantCulture, $"profile {Describe(profile)}; {live}{(cooling[i] ? "; cooling down" : string.Empty)}")));
            }

            feature.Decision = decision;
        }

        return best;
    }

    /// <summary>The score of one deployment (higher is better); latency 0 means not measured.</summary>
    internal static double Score(DeploymentProfile profile, PriorityWeights priority, double liveWeight, double latencyMs, double fastestMs, double errorRate, bool coolingDown)
    {
        var measured = latencyMs > 0 && liveWeight > 0;
        var liveSpeed = measured ? 100 * fastestMs / latencyMs : 0;
        double score;
        if (priority.IsEqual)
        {
            score = profile.MeanScore;
            if (measured && profile.Scores.TryGetValue(SpeedDimension, out var speed))
            {
                score += liveWeight * (liveSpeed - speed) / profile.Scores.Count;
            }
        }
        else
        {
            score = 0;
            var dimensions = priority.Dimensions;
            var weights = priority.Weights;
            for (var d = 0; d < dimensions.Length; d++)
            {
                var value = profile.Score(dimensions[d]);
                if (measured && string.Equals(dimensions[d], SpeedDimension, StringComparison.OrdinalIgnoreCase))
                {
                    value = ((1 - liveWeight) * value) + (liveWeight * liveSpeed);
                }

                score += weights[d] * value;
            }
        }

        score -= liveWeight * 100 * errorRate;
        return coolingDown ? score - CooldownPenalty : score;
    }

    private (PriorityWeights Priority, string Source) ResolvePriority(HttpContext context, ChatRoutingFeature? feature)
    {
        if (context.Request.Headers.TryGetValue(RoutingRequestHeaders.Priority, out var values) && values.Count > 0
            && Lookup(values[0]) is { } fromHeader)
        {
            return (fromHeader, "header");
        }

        if (feature?.Route.Options.DefaultPriority is { } routeDefault && Lookup(routeDefault) is { } fromRoute)
        {
            return (fromRoute, "route default");
        }

        return (PriorityWeights.Equal, "none (equal weights)");
    }

    private PriorityWeights? Lookup(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (_priorities.TryGetValue(text, out var cached))
        {
            return cached;
        }

        var parsed = PriorityWeights.TryParse(text, out var priority) ? priority : null;
        if (_priorities.Count < MaxCachedPriorities)
        {
            _priorities.TryAdd(text, parsed);
        }

        return parsed;
    }

    private static string Describe(DeploymentProfile profile)
    {
        if (profile.Scores.Count == 0)
        {
            return "none";
        }

        var parts = new List<string>(profile.Scores.Count);
        foreach (var (dimension, value) in profile.Scores)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{dimension} {value:0.#}"));
        }

        parts.Sort(StringComparer.Ordinal);
        return string.Join(", ", parts);
    }
}
