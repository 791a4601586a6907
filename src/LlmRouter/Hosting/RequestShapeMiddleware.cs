using Microsoft.AspNetCore.Http;

namespace LlmRouter.Hosting;

/// <summary>
/// Answers oversized request targets (414) and header sections (431) with OpenAI-style JSON. Kestrel's own limits are
/// set a little above these (see the composition root), so requests between the two get JSON here instead of
/// Kestrel's empty-bodied rejection; only requests beyond Kestrel's limits still get Kestrel's plain answer.
/// </summary>
internal sealed class RequestShapeMiddleware
{
    /// <summary>Longest path plus query string answered.</summary>
    public const int MaxRequestTargetChars = 8 * 1024;

    /// <summary>Largest header section (names plus values) answered; Kestrel's default limit.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    /// <summary>Most header fields answered; Kestrel's default limit.</summary>
    public const int MaxHeaderCount = 100;

    private readonly RequestDelegate _next;

    public RequestShapeMiddleware(RequestDelegate next) => _next = next;

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if ((request.Path.Value?.Length ?? 0) + (request.QueryString.Value?.Length ?? 0) > MaxRequestTargetChars)
        {
            return StatusCodeErrors.WriteAsync(context, StatusCodes.Status414UriTooLong);
        }

        var size = 0L;
        var count = 0;
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                size += name.Length + (value?.Length ?? 0) + 4;
                count++;
            }
        }

        return size > MaxHeaderBytes || count > MaxHeaderCount
            ? StatusCodeErrors.WriteAsync(context, StatusCodes.Status431RequestHeaderFieldsTooLarge)
            : _next(context);
    }
}
