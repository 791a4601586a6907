using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols;
using LlmRouter.Protocols.Anthropic;
using LlmRouter.Routing;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Proxy;

/// <summary>
/// Reads, parses and resolves a chat request, answering the client's mistakes itself (413, 400, 404). The parser
/// follows the client's protocol (the path): an Anthropic Messages body is translated into the internal chat request
/// first. Shared by the proxy pipeline and the dry-run endpoint so both refuse exactly the same requests.
/// </summary>
internal static class ChatRequestIntake
{
    /// <summary>Returns the routing feature (request, route, protocol), or null after writing the error response.</summary>
    public static Task<ChatRoutingFeature?> ReadAsync(HttpContext context, RouterCatalog catalog, bool explain = false)
        => ReadAsync(context, catalog, ClientProtocols.FromRequest(context.Request), explain);

    /// <summary>Same, with the body read as <paramref name="protocol"/> whatever the path.</summary>
    public static async Task<ChatRoutingFeature?> ReadAsync(HttpContext context, RouterCatalog catalog, ClientProtocol protocol, bool explain)
    {
        var limit = catalog.Options.MaxRequestBodyBytes;
        byte[]? body;
        try
        {
            body = await RequestBodyReader.ReadAsync(context.Request, limit, context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The client left while sending its body: nobody is there to answer, and it is not a gateway error.
            return null;
        }
        catch (BadHttpRequestException ex)
        {
            // A truncated or malformed body is the client's mistake, not a 500.
            await GatewayError.WriteAsync(context, ex.StatusCode, "The request body could not be read.", "invalid_request_error");
            return null;
        }

        if (body is null)
        {
            await GatewayError.WriteAsync(context, StatusCodes.Status413PayloadTooLarge,
                $"The request body exceeds the gateway's limit of {limit} bytes.", "invalid_request_error", null, "request_too_large");
            return null;
        }

        ChatRequest request;
        AnthropicRequest? anthropic = null;
        try
        {
            if (protocol == ClientProtocol.Anthropic)
            {
                anthropic = AnthropicRequestReader.Read(body, context.Request.Path.Equals(ClientProtocols.CountTokensPath, StringComparison.OrdinalIgnoreCase));
                request = ChatRequestParser.Parse(anthropic.InternalBody);
            }
            else
            {
                request = ChatRequestParser.Parse(body);
            }
        }
        catch (InvalidRequestException ex)
        {
            await GatewayError.WriteAsync(context, ex.StatusCode, ex.Message, "invalid_request_error", ex.Param, ex.Code);
            return null;
        }

        if (!catalog.TryGetRoute(request.Model, out var route))
        {
            request.Dispose();
            await GatewayError.WriteAsync(context, StatusCodes.Status404NotFound,
                $"The model `{request.Model}` does not exist or you do not have access to it.", "invalid_request_error", "model", "model_not_found");
            return null;
        }

        return new ChatRoutingFeature(request, route, catalog) { Protocol = protocol, Anthropic = anthropic, Explain = explain };
    }
}
