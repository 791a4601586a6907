namespace LlmRouter.Providers;

/// <summary>A non-streaming upstream response rewritten as an OpenAI <c>chat.completion</c>.</summary>
/// <param name="Body">The OpenAI JSON body sent to the client.</param>
/// <param name="Usage">Usage as reported by the upstream, or null if it reported none.</param>
/// <param name="ResponseModel">The model the upstream says served the request.</param>
/// <param name="FinishReason">The first choice's finish reason in OpenAI's closed set.</param>
internal sealed record TranslatedResponse(ReadOnlyMemory<byte> Body, TokenUsage? Usage, string? ResponseModel, string? FinishReason);
