namespace LlmRouter.Providers.OpenAI;

/// <summary>OpenAI error types and codes derived from an HTTP status, for error bodies that do not carry their own.</summary>
internal static class OpenAIErrorKinds
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Permission = "permission_error";
    public const string RateLimit = "rate_limit_error";
    public const string Server = "server_error";

    public static string TypeFor(int statusCode) => statusCode switch
    {
        403 => Permission,
        429 => RateLimit,
        408 or >= 500 => Server,
        >= 400 => InvalidRequest,
        _ => Server,
    };

    public static string? CodeFor(int statusCode) => statusCode switch
    {
        401 => "invalid_api_key",
        408 or 504 => "timeout",
        413 => "request_too_large",
        429 => "rate_limit_exceeded",
        529 => "overloaded",
        _ => null,
    };

    /// <summary>
    /// The status an error event inside a 200 stream stands for, so accounting and retry decisions see the same
    /// class of failure as they would for a plain error response.
    /// </summary>
    public static int StatusFor(string type) => type switch
    {
        InvalidRequest => 400,
        Permission => 403,
        RateLimit or "requests" or "tokens" or "insufficient_quota" => 429,
        Server => 500,
        _ => 502,
    };
}
