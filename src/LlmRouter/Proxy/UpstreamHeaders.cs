using System.Net.Http.Headers;
using System.Reflection;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Providers;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Proxy;

/// <summary>
/// The headers an upstream receives, by allowlist: content type and length, accept, the provider adapter's own
/// auth and version headers, a user agent naming LlmRouter, W3C trace context (added by the forwarder's
/// propagator), the deployment's configured <c>ForwardHeaders</c>, and X-Forwarded-* only when configured.
/// Nothing else a client sends reaches a provider, so no client can change a deployment's behaviour for others.
/// </summary>
internal static class UpstreamHeaders
{
    // Longest value of a forwarded client header; longer ones are the client's 400, not a forwarder failure.
    private const int MaxForwardedValueLength = 8 * 1024;

    private static readonly ProductInfoHeaderValue UserAgent = new("LlmRouter", Version());

    private static readonly MediaTypeWithQualityHeaderValue Json = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");
    private static readonly MediaTypeHeaderValue JsonContent = new("application/json");

    /// <summary>Refuses values of forwarded client headers that could not be sent (non-ASCII, control characters, oversized).</summary>
    public static void ValidateForwarded(IHeaderDictionary client, Deployment deployment)
    {
        foreach (var name in deployment.Options.ForwardHeaders)
        {
            if (!client.TryGetValue(name, out var values))
            {
                continue;
            }

            foreach (var value in values)
            {
                if (value is null || value.Length > MaxForwardedValueLength || !IsVisibleAscii(value))
                {
                    throw new InvalidRequestException($"The header `{name}` must be printable ASCII of at most {MaxForwardedValueLength} characters.", name);
                }
            }
        }
    }

    /// <summary>Sets every header of the outgoing request; the request starts with none (client headers are not copied).</summary>
    public static void Apply(HttpRequestMessage upstream, HttpContext client, Deployment deployment, IProviderAdapter adapter, string? apiKey,
        bool stream, bool forwardClientAddress)
    {
        var headers = upstream.Headers;
        adapter.ApplyHeaders(headers, apiKey);
        headers.Accept.Add(stream ? EventStream : Json);
        headers.UserAgent.Add(UserAgent);

        foreach (var name in deployment.Options.ForwardHeaders)
        {
            if (client.Request.Headers.TryGetValue(name, out var values))
            {
                headers.Remove(name);
                headers.TryAddWithoutValidation(name, (IEnumerable<string>)values!);
            }
        }

        if (forwardClientAddress)
        {
            if (client.Connection.RemoteIpAddress is { } address)
            {
                headers.TryAddWithoutValidation("X-Forwarded-For", address.ToString());
            }

            headers.TryAddWithoutValidation("X-Forwarded-Proto", client.Request.Scheme);
            if (client.Request.Host.HasValue && IsVisibleAscii(client.Request.Host.Value))
            {
                headers.TryAddWithoutValidation("X-Forwarded-Host", client.Request.Host.Value);
            }
        }

        if (upstream.Content is { } content)
        {
            // The body is the gateway's own serialisation: plain JSON of a known length, never the client's encoding.
            content.Headers.Clear();
            content.Headers.ContentType = JsonContent;
            content.Headers.ContentLength = client.Request.ContentLength;
        }
    }

    private static bool IsVisibleAscii(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~' && c != '\t')
            {
                return false;
            }
        }

        return true;
    }

    private static string Version()
    {
        var version = typeof(UpstreamHeaders).Assembly.GetName().Version;
        return version is null ? "1.0" : $"{version.Major}.{version.Minor}.{version.Build}";
    }
}
