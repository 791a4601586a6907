using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using LlmRouter.Chat;
using LlmRouter.Routing.Classification;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Routing.Policies;

/// <summary>
/// Sends a request to a deployment that specialises in its task category. The category comes from header
/// <c>x-llmrouter-category</c>, else <c>metadata.category</c> in the body, else the start-up-trained classifier on the
/// last user message. Several specialists are split by the route's tie-breaker policy (default LeastConnections); with
/// no specialist (or no category) every member is eligible and the tie-breaker decides.
/// </summary>
internal sealed class ContextualPolicy : ILoadBalancingPolicy
{
    [ThreadStatic]
    private static List<DestinationState>? _specialistsBuffer;

    private readonly PromptClassifier _classifier;
    private readonly ILoadBalancingPolicy _defaultTieBreaker;
    private readonly FrozenDictionary<string, ILoadBalancingPolicy> _tieBreakers;

    public ContextualPolicy(
        PromptClassifier classifier,
        LeastConnectionsPolicy leastConnections,
        RoundRobinPolicy roundRobin,
        WeightedPolicy weighted,
        AdaptivePolicy adaptive,
        ConsistentHashPolicy consistentHash,
        ModelAwarePolicy modelAware)
    {
        _classifier = classifier;
        _defaultTieBreaker = leastConnections;
        ILoadBalancingPolicy[] policies = [leastConnections, roundRobin, weighted, adaptive, consistentHash, modelAware];
        var byName = new Dictionary<string, ILoadBalancingPolicy>(StringComparer.OrdinalIgnoreCase);
        foreach (var policy in policies)
        {
            byName[policy.Name] = policy;
        }

        _tieBreakers = byName.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public string Name => PolicyNames.Contextual;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        if (availableDestinations.Count == 0)
        {
            return null;
        }

        var feature = context.Features.Get<ChatRoutingFeature>();
        var (category, source, confidence) = ResolveCategory(context, feature);
        if (feature is not null)
        {
            feature.Category = category;
            feature.CategorySource = category is null ? null : source;
        }

        var specialists = _specialistsBuffer ??= [];
        specialists.Clear();
        if (category is not null)
        {
            // Indexed: foreach over IReadOnlyList boxes an enumerator on every request.
            for (var i = 0; i < availableDestinations.Count; i++)
            {
                var destination = availableDestinations[i];
                if (DeploymentProfiles.Get(feature, destination).Specializes(category))
                {
                    specialists.Add(destination);
                }
            }
        }

        var fallbackOnly = false;
        if (specialists.Count == 0 && feature is { Route.Options.Fallbacks.Count: > 0 })
        {
            // No specialist: the route's fallback deployments take the task, when any of them is a member.
            var fallbacks = feature.Route.Options.Fallbacks;
            for (var i = 0; i < availableDestinations.Count; i++)
            {
                if (fallbacks.Contains(availableDestinations[i].DestinationId))
                {
                    specialists.Add(availableDestinations[i]);
                }
            }

            fallbackOnly = specialists.Count > 0;
        }

        var tieBreaker = ResolveTieBreaker(feature);
        var eligible = specialists.Count > 0 ? (IReadOnlyList<DestinationState>)specialists : availableDestinations;
        if (feature is { Explain: true })
        {
            // Only the tie-breaker's own decision may be read back below.
            feature.Decision = null;
        }

        DestinationState? chosen;
        try
        {
            chosen = eligible.Count == 1 ? eligible[0] : tieBreaker.PickDestination(context, cluster, eligible);
        }
        finally
        {
            var specialistCount = fallbackOnly ? 0 : specialists.Count;
            specialists.Clear();
            if (feature is { Explain: true })
            {
                Explain(feature, availableDestinations, category, source, confidence, specialistCount, tieBreaker);
                if (fallbackOnly)
                {
                    feature.Decision!.Facts["noSpecialist"] = "the route's fallback deployments were eligible";
                }
            }
        }

        if (feature is { Explain: true })
        {
            feature.Decision!.Chosen = chosen?.DestinationId;
        }

        return chosen;
    }

    private (string? Category, string? Source, double Confidence) ResolveCategory(HttpContext context, ChatRoutingFeature? feature)
    {
        if (context.Request.Headers.TryGetValue(RoutingRequestHeaders.Category, out var values) && values.Count > 0
            && !string.IsNullOrWhiteSpace(values[0]) && CategoryName.IsAcceptable(values[0]))
        {
            return (values[0]!.Trim().ToLowerInvariant(), CategorySources.Header, 1);
        }

        if (feature is null)
        {
            return (null, null, 0);
        }

        if (feature.Request.Metadata is { ValueKind: JsonValueKind.Object } metadata
            && metadata.TryGetProperty("category", out var stated) && stated.ValueKind == JsonValueKind.String
            && stated.GetString() is { } text && !string.IsNullOrWhiteSpace(text))
        {
            return (text.Trim().ToLowerInvariant(), CategorySources.Metadata, 1);
        }

        var result = _classifier.Classify(feature.Request, feature.Catalog.Options.Limits.MaxClassifiedPromptChars);
        return (result.Category, CategorySources.Classifier, result.Confidence);
    }

    private ILoadBalancingPolicy ResolveTieBreaker(ChatRoutingFeature? feature)
        => feature?.Route.Options.TieBreaker is { } name
            && PolicyNames.TryResolve(name, out var full)
            && _tieBreakers.TryGetValue(full, out var policy)
                ? policy
                : _defaultTieBreaker;

    private void Explain(ChatRoutingFeature feature, IReadOnlyList<DestinationState> destinations, string? category, string? source, double confidence, int specialistCount, ILoadBalancingPolicy tieBreaker)
    {
        // The tie-breaker, when it ran, recorded its own decision: keep its scores per candidate.
        var inner = feature.Decision;
        var decision = new RoutingDecision(Name);
        decision.Facts["category"] = category ?? "none";
        decision.Facts["categorySource"] = category is null ? "classifier found no known words" : source!;
        if (string.Equals(source, CategorySources.Classifier, StringComparison.Ordinal) && category is not null)
        {
            decision.Facts["classifierConfidence"] = confidence.ToString("0.###", CultureInfo.InvariantCulture);
        }

        decision.Facts["tieBreaker"] = tieBreaker.Name;
        decision.Facts["specialists"] = specialistCount.ToString(CultureInfo.InvariantCulture);
        if (inner is not null)
        {
            foreach (var (key, value) in inner.Facts)
            {
                decision.Facts["tieBreaker." + key] = value;
            }
        }

        foreach (var destination in destinations)
        {
            var profile = DeploymentProfiles.Get(feature, destination);
            var isSpecialist = category is not null && profile.Specializes(category);
            var reason = isSpecialist ? $"specialist for '{category}'"
                : specialistCount > 0 ? $"not a specialist for '{category}'"
                : "no specialist available: every member eligible";
            CandidateScore? tied = null;
            if (inner is not null)
            {
                foreach (var candidate in inner.Candidates)
                {
                    if (string.Equals(candidate.Deployment, destination.DestinationId, StringComparison.Ordinal))
                    {
                        tied = candidate;
                        break;
                    }
                }
            }

            decision.Candidates.Add(new CandidateScore(
                destination.DestinationId,
                tied?.Score,
                tied?.Reason is { } tieReason ? $"{reason}; {tieReason}" : reason));
        }

        feature.Decision = decision;
    }
}
