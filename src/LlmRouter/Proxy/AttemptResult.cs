using LlmRouter.Providers;

namespace LlmRouter.Proxy;

/// <summary>How one upstream attempt ended, streamed or not.</summary>
/// <param name="Success">A complete response reached the client.</param>
/// <param name="StatusCode">The upstream status; 0 when no response arrived.</param>
/// <param name="Usage">Usage the upstream reported.</param>
/// <param name="TimeToFirstToken">For streams, the time to the first translated byte.</param>
/// <param name="Error">The translated failure, if any.</param>
/// <param name="ResponseModel">The model the upstream said served the request.</param>
/// <param name="ClientAborted">The client went away before the end: the attempt says nothing about the deployment.</param>
internal readonly record struct AttemptResult(bool Success, int StatusCode, TokenUsage? Usage = null, TimeSpan? TimeToFirstToken = null, UpstreamError? Error = null,
    string? ResponseModel = null, bool ClientAborted = false);
