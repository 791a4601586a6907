using LlmRouter.Configuration;
using LlmRouter.Routing;
using LlmRouter.Routing.Classification;
using LlmRouter.Routing.Policies;
using LlmRouter.Routing.Stats;
using LlmRouter.Tests.Routing.Classification;
using Microsoft.Extensions.Time.Testing;
using static LlmRouter.Tests.Routing.RoutingTestKit;

namespace LlmRouter.Tests.Routing.Policies;

public sealed class ContextualPolicyTests
{
    private static readonly Lazy<PromptClassifier> Classifier = new(() => PromptClassifier.Train(ClassifierExamples.LoadDefaults()));

    private static readonly Dictionary<string, string> ShippedSpecialists = new()
    {
        ["technical"] = "gpt-4",
        ["creative"] = "claude",
        ["informational"] = "gemini",
        ["ethical"] = "claude",
    };

    private readonly LiveStatsStore _stats = new(new FakeTimeProvider());
    private readonly ContextualPolicy _policy;

    public ContextualPolicyTests()
    {
        var leastConnections = new LeastConnectionsPolicy(_stats);
        _policy = new ContextualPolicy(
            Classifier.Value,
            leastConnections,
            new RoundRobinPolicy(),
            new WeightedPolicy(),
            new AdaptivePolicy(_stats),
            new ConsistentHashPolicy(),
            new ModelAwarePolicy(_stats));
    }

    private string Pick(ChatRoutingFeature feature, params (string Name, string Value)[] headers)
        => _policy.PickDestination(Context(feature, headers), Cluster(), Destinations("gpt-4", "gemini", "claude"))!.DestinationId;

    [Fact]
    public void PickDestination_EvaluationSet_RoutesAtLeastNinetyPercentToTheSpecialist()
    {
        var catalog = Catalog(ShippedDeployments());
        var total = 0;
        var correct = 0;
        foreach (var (category, prompts) in ClassifierEvaluationSet.Prompts)
        {
            foreach (var prompt in prompts)
            {
                var feature = Feature(catalog, UserBody(prompt));
                total++;
                if (Pick(feature) == ShippedSpecialists[category] && feature.Category == category)
                {
                    correct++;
                }
            }
        }

        Assert.True(correct / (double)total >= 0.90, $"{correct}/{total}");
    }

    [Fact]
    public void PickDestination_Classified_SetsCategoryAndSource()
    {
        var feature = Feature(Catalog(ShippedDeployments()), UserBody("Write a sonnet about a lighthouse in a storm"));

        Assert.Equal("claude", Pick(feature));
        Assert.Equal("creative", feature.Category);
        Assert.Equal(CategorySources.Classifier, feature.CategorySource);
    }

    [Fact]
    public void PickDestination_CategoryHeader_WinsOverClassificationAndMetadata()
    {
        var feature = Feature(Catalog(ShippedDeployments()), UserBody("Write a sonnet about a lighthouse", metadataCategory: "informational"));

        Assert.Equal("gpt-4", Pick(feature, (RoutingRequestHeaders.Category, "Technical")));
        Assert.Equal("technical", feature.Category);
        Assert.Equal(CategorySources.Header, feature.CategorySource);
    }

    [Fact]
    public void PickDestination_MetadataCategory_WinsOverClassification()
    {
        var feature = Feature(Catalog(ShippedDeployments()), UserBody("Write a sonnet about a lighthouse", metadataCategory: "informational"));

        Assert.Equal("gemini", Pick(feature));
        Assert.Equal("informational", feature.Category);
        Assert.Equal(CategorySources.Metadata, feature.CategorySource);
    }

    [Fact]
    public void PickDestination_SeveralSpecialists_TieBrokenByLeastConnections()
    {
        var deployments = ShippedDeployments();
        deployments["gpt-4"].Specializations.Add("creative");
        var destinations = Destinations("gpt-4", "gemini", "claude");
        destinations[2].ConcurrentRequestCount = 3;
        destinations[0].ConcurrentRequestCount = 1;
        var feature = Feature(Catalog(deployments), UserBody("irrelevant"));

        var chosen = _policy.PickDestination(Context(feature, (RoutingRequestHeaders.Category, "creative")), Cluster(), destinations);

        Assert.Equal("gpt-4", chosen!.DestinationId);
    }

    [Fact]
    public void PickDestination_RouteTieBreakerModelAware_UsesPriority()
    {
        var deployments = ShippedDeployments();
        deployments["gpt-4"].Specializations.Add("creative");
        var feature = Feature(Catalog(deployments, new RouteOptions { TieBreaker = "ModelAware", DefaultPriority = "creativity" }), UserBody("irrelevant"));

        Assert.Equal("gpt-4", Pick(feature, (RoutingRequestHeaders.Category, "creative")));
        Assert.Equal("claude", Pick(Feature(Catalog(deployments, new RouteOptions { TieBreaker = "ModelAware", DefaultPriority = "ethics" })), (RoutingRequestHeaders.Category, "creative")));
    }

    [Fact]
    public void PickDestination_NoSpecialist_AllMembersThroughTieBreaker()
    {
        var destinations = Destinations("gpt-4", "gemini", "claude");
        destinations[0].ConcurrentRequestCount = 2;
        destinations[2].ConcurrentRequestCount = 2;
        var feature = Feature(Catalog(ShippedDeployments()));

        var chosen = _policy.PickDestination(Context(feature, (RoutingRequestHeaders.Category, "legal")), Cluster(), destinations);

        Assert.Equal("gemini", chosen!.DestinationId);
        Assert.Equal("legal", feature.Category);
    }

    [Fact]
    public void PickDestination_NoSpecialist_RouteFallbacksTakeTheTask()
    {
        var destinations = Destinations("gpt-4", "gemini", "claude");
        destinations[1].ConcurrentRequestCount = 5;
        var route = new RouteOptions { Policy = "Contextual", Deployments = ["gpt-4", "gemini", "claude"], Fallbacks = ["gemini"] };
        var feature = Feature(Catalog(ShippedDeployments(), route, PolicyNames.Contextual));

        var chosen = _policy.PickDestination(Context(feature, (RoutingRequestHeaders.Category, "legal")), Cluster(), destinations);

        // The least-loaded member would be gpt-4 or claude; the fallback wins because no member specialises in 'legal'.
        Assert.Equal("gemini", chosen!.DestinationId);
    }

    [Fact]
    public void PickDestination_WithoutFeature_UsesHeaderAndYarpMetadata()
    {
        var destinations = new[]
        {
            Destination("coder", new Dictionary<string, string> { ["Specializations"] = "technical, informational" }),
            Destination("writer", new Dictionary<string, string> { ["Specializations"] = "creative" }),
        };

        var chosen = _policy.PickDestination(Context(null, (RoutingRequestHeaders.Category, "creative")), Cluster(), destinations);

        Assert.Equal("writer", chosen!.DestinationId);
    }

    [Fact]
    public void PickDestination_Explain_RecordsCategoryAndEveryCandidate()
    {
        var feature = Feature(Catalog(ShippedDeployments()), UserBody("What is the tallest building in Asia?"), explain: true);

        var chosen = Pick(feature);

        var decision = feature.Decision!;
        Assert.Equal(PolicyNames.Contextual, decision.Policy);
        Assert.Equal(chosen, decision.Chosen);
        Assert.Equal("informational", decision.Facts["category"]);
        Assert.Equal(CategorySources.Classifier, decision.Facts["categorySource"]);
        Assert.Equal(PolicyNames.LeastConnections, decision.Facts["tieBreaker"]);
        Assert.Equal(3, decision.Candidates.Count);
        Assert.StartsWith("specialist", decision.Candidates.Single(c => c.Deployment == "gemini").Reason, StringComparison.Ordinal);
        Assert.StartsWith("not a specialist", decision.Candidates.Single(c => c.Deployment == "claude").Reason, StringComparison.Ordinal);
    }
}
