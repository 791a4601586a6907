namespace LlmRouter.Configuration;

/// <summary>Training data for the contextual policy's text classifier.</summary>
public sealed class ClassifierOptions
{
    /// <summary>Labelled example prompts by category.</summary>
    public Dictionary<string, List<string>> Examples { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Optional path to a JSON file of the same shape as <see cref="Examples"/>, relative to the content root.</summary>
    public string? ExamplesFile { get; set; }
}
