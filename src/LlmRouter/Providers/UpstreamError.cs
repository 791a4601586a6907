namespace LlmRouter.Providers;

/// <summary>An upstream failure translated into what an OpenAI client expects.</summary>
/// <param name="StatusCode">The status the client receives (e.g. Anthropic 529 becomes 503).</param>
/// <param name="Message">The upstream's human-readable message.</param>
/// <param name="Type">OpenAI error <c>type</c> (e.g. <c>rate_limit_error</c>, <c>server_error</c>).</param>
/// <param name="Code">OpenAI error <c>code</c>, or null.</param>
/// <param name="RetryAfter">How long the upstream asked us to wait, from headers or the body.</param>
internal sealed record UpstreamError(int StatusCode, string Message, string Type, string? Code = null, TimeSpan? RetryAfter = null)
{
    public string? Param { get; init; }

    /// <summary>Whether another attempt (here or at another deployment) may succeed.</summary>
    public bool IsRetryable => StatusCode is 408 or 409 or 429 or >= 500 && Type != "insufficient_quota";

    /// <summary>Whether the request itself was at fault, which says nothing about the deployment's health.</summary>
    public bool IsClientFault => IsClientFaultStatus(StatusCode);

    /// <summary>A 4xx other than the retryable 408, 409 and 429.</summary>
    public static bool IsClientFaultStatus(int statusCode) => statusCode is >= 400 and < 500 and not (408 or 409 or 429);
}
