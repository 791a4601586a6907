using LlmRouter.Providers;

namespace LlmRouter.Proxy;

/// <summary>How a translated stream ended.</summary>
internal readonly record struct StreamResult(bool Success, bool ClientAborted, TokenUsage? Usage, TimeSpan? TimeToFirstByte, UpstreamError? Error, string? ResponseModel);
