namespace LlmRouter.Routing.Classification;

/// <summary>The classifier's answer: the most likely category (null when the text held no known word) and its posterior probability.</summary>
internal readonly record struct ClassificationResult(string? Category, double Confidence);
