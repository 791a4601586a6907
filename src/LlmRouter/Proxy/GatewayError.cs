using LlmRouter.Providers;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Proxy;

/// <summary>Writes the gateway's own OpenAI-style error responses.</summary>
internal static class GatewayError
{
    public static Task WriteAsync(HttpContext context, int statusCode, string message, string type, string? param = null, string? code = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        response.StatusCode = statusCode;
        response.ContentType = "application/json";
        var body = OpenAIErrorWriter.ToBytes(message, type, param, code);
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>The OpenAI error <c>type</c> conventionally used for a status.</summary>
    public static string TypeFor(int statusCode) => statusCode switch
    {
        401 => "invalid_request_error",
        403 => "permission_error",
        404 => "invalid_request_error",
        429 => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };
}
