using System.Text.Json;
using LlmRouter.Configuration;

namespace LlmRouter.Routing.Classification;

/// <summary>
/// Loads the labelled training examples: the file named by <see cref="ClassifierOptions.ExamplesFile"/> and the inline
/// <see cref="ClassifierOptions.Examples"/> (merged), or, when neither is configured, the four shipped categories
/// embedded in the library.
/// </summary>
internal static class ClassifierExamples
{
    /// <summary>Logical name of the embedded default examples (see LlmRouter.csproj).</summary>
    public const string DefaultResourceName = "LlmRouter.Routing.Classification.default-examples.json";

    public static Dictionary<string, List<string>> Load(ClassifierOptions? options, string? contentRoot)
    {
        var examples = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        if (options is not null && !string.IsNullOrWhiteSpace(options.ExamplesFile))
        {
            var path = Path.IsPathRooted(options.ExamplesFile) || contentRoot is null
                ? options.ExamplesFile
                : Path.Combine(contentRoot, options.ExamplesFile);
            using var file = File.OpenRead(path);
            Merge(examples, Parse(file, path));
        }

        if (options is not null && options.Examples.Count > 0)
        {
            Merge(examples, options.Examples);
        }

        return examples.Count > 0 ? examples : LoadDefaults();
    }

    public static Dictionary<string, List<string>> LoadDefaults()
    {
        using var stream = typeof(ClassifierExamples).Assembly.GetManifestResourceStream(DefaultResourceName)
            ?? throw new InvalidOperationException($"The embedded resource '{DefaultResourceName}' is missing from the LlmRouter assembly.");
        return Parse(stream, DefaultResourceName);
    }

    private static Dictionary<string, List<string>> Parse(Stream json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, List<string>>>(json)
                ?? throw new InvalidOperationException($"Classifier examples in '{source}' are empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"Classifier examples in '{source}' must be a JSON object of category → array of example prompts: {ex.Message}", ex);
        }
    }

    private static void Merge(Dictionary<string, List<string>> target, Dictionary<string, List<string>> source)
    {
        foreach (var (category, prompts) in source)
        {
            if (!target.TryGetValue(category, out var list))
            {
                target[category] = list = [];
            }

            list.AddRange(prompts);
        }
    }
}
