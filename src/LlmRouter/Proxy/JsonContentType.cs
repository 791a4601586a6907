using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace LlmRouter.Proxy;

/// <summary>
/// The media-type rule for every POST body: JSON (<c>application/json</c> or any <c>+json</c>, charset UTF-8 if stated),
/// not encoded. Refusing everything else keeps browsers' cross-site "simple" POSTs (text/plain, forms) from spending
/// provider money, and the gateway never decodes compressed bodies it would then forward re-serialised.
/// </summary>
internal static class JsonContentType
{
    /// <summary>Null when the request is acceptable, else the message of the 415.</summary>
    public static string? Problem(HttpRequest request)
    {
        var contentType = request.ContentType;
        if (string.IsNullOrEmpty(contentType))
        {
            return "Missing Content-Type: the request body must be JSON (application/json).";
        }

        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || !IsJson(media))
        {
            return "Unsupported Content-Type: the request body must be JSON (application/json).";
        }

        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            && !media.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            return "Unsupported charset: the request body must be UTF-8 JSON.";
        }

        foreach (var encoding in request.Headers.ContentEncoding)
        {
            foreach (var token in (encoding ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!string.Equals(token, "identity", StringComparison.OrdinalIgnoreCase))
                {
                    return "Unsupported Content-Encoding: the gateway accepts uncompressed (identity) request bodies only.";
                }
            }
        }

        return null;
    }

    public static Task WriteUnsupportedAsync(HttpContext context, string message)
        => GatewayError.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, message, "invalid_request_error", null, "unsupported_media_type");

    private static bool IsJson(MediaTypeHeaderValue media)
        => media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
                && media.SubType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
}
