using LlmRouter.Configuration;
using LlmRouter.Routing.Classification;
using LlmRouter.Telemetry;

namespace LlmRouter.Tests.Telemetry;

public sealed class MetricLabelsTests
{
    private static readonly Deployment Gpt = new("gpt", new DeploymentOptions { Provider = ProviderKind.OpenAI, Model = "gpt-4o" }, new Uri("http://gpt.test/"));

    private static MetricLabels Labels() => new(null, PromptClassifier.Train(new Dictionary<string, List<string>>
    {
        ["code"] = ["write a function in python"],
        ["math"] = ["solve this equation for x"],
    }));

    [Fact]
    public void Category_ClassifierCategory_IsKept()
        => Assert.Equal("code", Labels().Category("code"));

    [Fact]
    public void Category_Absent_IsNone()
        => Assert.Equal(MetricLabels.None, Labels().Category(null));

    [Fact]
    public void Category_ThousandsOfClientChosenValues_MapToOther()
    {
        var labels = Labels();

        var distinct = Enumerable.Range(0, 5000).Select(i => labels.Category("flood-" + i)).Distinct().ToList();

        Assert.Equal([MetricLabels.Other], distinct);
    }

    [Fact]
    public void ResponseModel_ConfiguredOrAbsent_IsTheConfiguredModel()
    {
        var labels = Labels();

        Assert.Equal("gpt-4o", labels.ResponseModel(Gpt, null));
        Assert.Equal("gpt-4o", labels.ResponseModel(Gpt, "gpt-4o"));
    }

    [Fact]
    public void ResponseModel_ThousandsOfUpstreamValues_StayBoundedPerDeployment()
    {
        var labels = Labels();

        var distinct = Enumerable.Range(0, 5000).Select(i => labels.ResponseModel(Gpt, "gpt-4o-" + i)).Distinct().ToList();

        Assert.Equal(MetricLabels.MaxResponseModelsPerDeployment + 1, distinct.Count);
        Assert.Contains("gpt-4o-0", distinct);
        Assert.Contains(MetricLabels.Other, distinct);
    }

    [Fact]
    public void ResponseModel_MalformedOrLongValue_IsOther()
    {
        var labels = Labels();

        Assert.Equal(MetricLabels.Other, labels.ResponseModel(Gpt, "model with spaces"));
        Assert.Equal(MetricLabels.Other, labels.ResponseModel(Gpt, new string('m', 65)));
    }

    [Fact]
    public void ErrorType_KnownCode_IsAlwaysKept()
    {
        var labels = Labels();
        for (var i = 0; i < 100; i++)
        {
            labels.ErrorType(Gpt, "custom_" + i);
        }

        Assert.Equal("rate_limit_exceeded", labels.ErrorType(Gpt, "rate_limit_exceeded"));
    }

    [Fact]
    public void ErrorType_ThousandsOfUpstreamCodes_StayBoundedPerDeployment()
    {
        var labels = Labels();

        var distinct = Enumerable.Range(0, 5000).Select(i => labels.ErrorType(Gpt, "code_" + i)).Distinct().Count();

        Assert.Equal(MetricLabels.MaxErrorTypesPerDeployment + 1, distinct);
    }
}
