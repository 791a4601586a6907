using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols;
using LlmRouter.Protocols.Anthropic;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Routing;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Proxy;

/// <summary>
/// Reads, parses and resolves a chat request, answering the client's mistakes itself (415, 413, 400, 404) and
/// refusing bodies beyond the memory budget (503). The parser follows the client's protocol (the path): an Anthropic
/// Messages body is translated into the internal chat request first. Shared by the proxy pipeline and the dry-run
/// endpoint so both refuse exactly the same requests.
/// </summary>
internal static class ChatRequestIntake
{
    /// <summary>Returns the routing feature (request, route, protocol), or null after writing the error response.</summary>
    public static Task<ChatRoutingFeature?> ReadAsync(HttpContext context, RouterCatalog catalog, RequestBodyBudget budget, bool explain = false)
        => ReadAsync(context, catalog, budget, ClientProtocols.FromRequest(context.Request), explain);

    /// <summary>Same, with the body read as <paramref name="protocol"/> whatever the path.</summary>
    public static async Task<ChatRoutingFeature?> ReadAsync(HttpContext context, RouterCatalog catalog, RequestBodyBudget budget, ClientProtocol protocol, bool explain)
    {
        if (JsonContentType.Problem(context.Request) is { } unsupported)
        {
            await JsonContentType.WriteUnsupportedAsync(context, unsupported);
            return null;
        }

        var limit = catalog.Options.MaxRequestBodyBytes;

        // Held until the response ends: the parsed request keeps the body for retries and pass-through.
        var reservation = new BodyReservation(budget, catalog.Options.Limits.MaxBufferedRequestBytes);
        context.Response.RegisterForDispose(reservation);
        ReadOnlyMemory<byte>? body;
        bool overBudget;
        try
        {
            (body, overBudget) = await RequestBodyReader.ReadAsync(context.Request, limit, reservation, context.RequestAborted);
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
        catch (IOException)
        {
            // Kestrel reports some framing errors this way (a chunk size that overflows: "Bad chunk size data").
            await GatewayError.WriteAsync(context, StatusCodes.Status400BadRequest, "The request body could not be read.", "invalid_request_error");
            return null;
        }

        if (overBudget)
        {
            reservation.Dispose();
            context.Response.Headers.RetryAfter = "1";
            await GatewayError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                "The gateway is holding too many request bodies at once; retry shortly.", "server_error", null, "server_overloaded");
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
                anthropic = AnthropicRequestReader.Read(body.Value, context.Request.Path.Equals(ClientProtocols.CountTokensPath, StringComparison.OrdinalIgnoreCase));
                request = ChatRequestParser.Parse(anthropic.InternalBody);
            }
            else
            {
                request = ChatRequestParser.Parse(body.Value);
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
                $"The model `{Truncated(request.Model)}` does not exist or you do not have access to it.", "invalid_request_error", "model", "model_not_found");
            return null;
        }

        if (RoutingHeaderCheck.Problem(context.Request, route.Options) is { } badHeader)
        {
            request.Dispose();
            await GatewayError.WriteAsync(context, badHeader.StatusCode, badHeader.Message, "invalid_request_error", badHeader.Param, badHeader.Code);
            return null;
        }

        return new ChatRoutingFeature(request, route, catalog) { Protocol = protocol, Anthropic = anthropic, Explain = explain };
    }

    // The error echoes the client's model name; a bounded prefix is enough to recognise it.
    private static string Truncated(string model) => model.Length <= 256 ? model : model[..256] + "…";
}
