namespace LlmRouter.Providers.OpenAI;

/// <summary>The fields of an error object; <see cref="IsOpenAIShape"/> when it is OpenAI's own <c>error</c> object.</summary>
internal readonly record struct ErrorFields(string? Message, string? Type, string? Code, string? Param, bool IsOpenAIShape);
