using LlmRouter.Proxy;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Hosting;

/// <summary>
/// The OpenAI-style body for an error status that reached the client without one (routing's 404/405, a rejection
/// raised by the server or a framework component), so every error the gateway answers is JSON a client can parse.
/// </summary>
internal static class StatusCodeErrors
{
    /// <summary>For <c>UseStatusCodePages</c>: runs only when the response has no body yet.</summary>
    public static Task WriteAsync(StatusCodeContext statusContext) => WriteAsync(statusContext.HttpContext, statusContext.HttpContext.Response.StatusCode);

    public static Task WriteAsync(HttpContext context, int statusCode)
    {
        var (message, type, code) = Describe(context, statusCode);
        return GatewayError.WriteAsync(context, statusCode, message, type, null, code);
    }

    private static (string Message, string Type, string? Code) Describe(HttpContext context, int statusCode) => statusCode switch
    {
        StatusCodes.Status400BadRequest => ("The request could not be read.", "invalid_request_error", null),
        StatusCodes.Status404NotFound => (UnknownUrl(context), "invalid_request_error", "unknown_url"),
        StatusCodes.Status405MethodNotAllowed => ($"Method {Bounded(context.Request.Method)} is not allowed on {Bounded(context.Request.Path.Value)}.", "invalid_request_error", "method_not_allowed"),
        StatusCodes.Status408RequestTimeout => ("The request was not received in time.", "invalid_request_error", "timeout"),
        StatusCodes.Status413PayloadTooLarge => ("The request body is too large.", "invalid_request_error", "request_too_large"),
        StatusCodes.Status414UriTooLong => ("The request URL is too long.", "invalid_request_error", "uri_too_long"),
        StatusCodes.Status415UnsupportedMediaType => ("The request body must be JSON (application/json).", "invalid_request_error", "unsupported_media_type"),
        StatusCodes.Status431RequestHeaderFieldsTooLarge => ("The request headers are too large.", "invalid_request_error", "request_header_fields_too_large"),
        StatusCodes.Status429TooManyRequests => ("Too many requests.", "rate_limit_error", "rate_limit_exceeded"),
        >= 400 and < 500 => ("The request could not be processed.", "invalid_request_error", null),
        _ => ("The gateway failed to process the request.", "server_error", null),
    };

    public static string UnknownUrl(HttpContext context) => $"Invalid URL ({Bounded(context.Request.Method)} {Bounded(context.Request.Path.Value)}).";

    // The path and method are the client's own; a bounded prefix is enough to recognise them.
    private static string? Bounded(string? value) => RequestLogMiddleware.Bounded(value);
}
