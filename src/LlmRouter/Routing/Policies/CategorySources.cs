namespace LlmRouter.Routing.Policies;

/// <summary>Values of <see cref="ChatRoutingFeature.CategorySource"/>.</summary>
internal static class CategorySources
{
    public const string Header = "header";

    public const string Metadata = "metadata";

    public const string Classifier = "classifier";
}
