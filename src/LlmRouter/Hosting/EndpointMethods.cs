using System.Collections.Frozen;
using LlmRouter.Proxy;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Hosting;

/// <summary>
/// Which methods each of the gateway's own paths answers, for the catch-all: a known path with another method is a
/// 405, anything else a 404, both OpenAI-style. One table instead of a 405 endpoint per path and method.
/// </summary>
internal static class EndpointMethods
{
    public const string ModelsPrefix = "/v1/models/";

    public static readonly string[] ReadOnly = [HttpMethods.Get, HttpMethods.Head];

    private static readonly FrozenDictionary<string, string> AllowedByPath = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [ProxyIds.ChatPath] = "POST",
        [Protocols.ClientProtocols.MessagesPath] = "POST",
        [Protocols.ClientProtocols.CountTokensPath] = "POST",
        ["/v1/router/decide"] = "POST",
        ["/v1/models"] = "GET, HEAD",
        ["/healthz"] = "GET, HEAD",
        ["/readyz"] = "GET, HEAD",
        ["/metrics"] = "GET, HEAD",
        ["/admin/deployments"] = "GET, HEAD",
        ["/admin/routes"] = "GET, HEAD",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The fallback endpoint: 405 with <c>Allow</c> for a known path, else 404.</summary>
    public static Task WriteFallbackAsync(HttpContext context)
    {
        if (Allowed(context.Request.Path.Value) is { } allowed)
        {
            context.Response.Headers.Allow = allowed;
            return StatusCodeErrors.WriteAsync(context, StatusCodes.Status405MethodNotAllowed);
        }

        return StatusCodeErrors.WriteAsync(context, StatusCodes.Status404NotFound);
    }

    private static string? Allowed(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        path = path.Length > 1 ? path.TrimEnd('/') : path;
        if (AllowedByPath.TryGetValue(path, out var allowed))
        {
            return allowed;
        }

        // /v1/models/{id}: one segment after the prefix.
        return path.StartsWith(ModelsPrefix, StringComparison.OrdinalIgnoreCase) && path.IndexOf('/', ModelsPrefix.Length) < 0
            ? "GET, HEAD"
            : null;
    }
}
