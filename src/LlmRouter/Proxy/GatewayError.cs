using LlmRouter.Protocols;
using LlmRouter.Protocols.Anthropic;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Providers;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Proxy;

/// <summary>Writes the gateway's error responses in the client's protocol: OpenAI-style, or Anthropic-style on <c>/v1/messages</c>.</summary>
internal static class GatewayError
{
    public static Task WriteAsync(HttpContext context, int statusCode, string message, string type, string? param = null, string? code = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        byte[] body;
        if (ClientProtocols.Of(context) == ClientProtocol.Anthropic)
        {
            (response.StatusCode, body) = AnthropicErrorWriter.ToResponse(statusCode, message);
        }
        else
        {
            response.StatusCode = statusCode;
            body = OpenAIErrorWriter.ToBytes(message, type, param, code);
        }

        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>The catalog reloaded and YARP has not applied it yet; the window is milliseconds.</summary>
    public static Task WriteRouteNotReadyAsync(HttpContext context, string route)
        => WriteAsync(context, StatusCodes.Status503ServiceUnavailable, $"The route `{route}` is being reconfigured; retry shortly.", "server_error", null, "route_not_ready");
}
