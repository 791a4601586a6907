using System.Diagnostics;
using System.Net.Http.Headers;
using System.Reflection;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols;
using LlmRouter.Providers;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Proxy;

/// <summary>
/// The headers an upstream receives, by allowlist: content type and length, accept, the provider adapter's own
/// auth and version headers, a user agent naming LlmRouter, W3C trace context (added by the forwarder's
/// propagator), the deployment's configured <c>ForwardHeaders</c>, and X-Forwarded-* only when configured.
/// The one client-header rule: an Anthropic client's <c>anthropic-version</c> and <c>anthropic-beta</c> reach Anthropic
/// deployments (its body is passed through, so the API version and beta features it was written for must travel
/// with it); no other provider sees them. Nothing else a client sends reaches a provider, so no client can change a
/// deployment's behaviour for others.
/// </summary>
internal static class UpstreamHeaders
{
    // Longest value of a forwarded client header; longer ones are the client's 400, not a forwarder failure.
    private const int MaxForwardedValueLength = 8 * 1024;

    /// <summary>Client headers an Anthropic deployment receives from an Anthropic client.</summary>
    private static readonly string[] AnthropicClientHeaders = ["anthropic-version", "anthropic-beta"];

    private static readonly ProductInfoHeaderValue UserAgent = new("LlmRouter", Version());

    private static readonly MediaTypeWithQualityHeaderValue Json = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");
    private static readonly MediaTypeHeaderValue JsonContent = new("application/json");

    /// <summary>Refuses values of forwarded client headers that could not be sent (non-ASCII, control characters, oversized).</summary>
    public static void ValidateForwarded(HttpContext client, Deployment deployment)
    {
        var forwarded = Forwarded(client, deployment);
        for (var i = 0; i < forwarded.Count; i++)
        {
            var name = forwarded[i];
            if (!client.Request.Headers.TryGetValue(name, out var values))
            {
                continue;
            }

            foreach (var value in values)
            {
                if (!HeaderValues.IsPrintableAscii(value, MaxForwardedValueLength))
                {
                    throw new InvalidRequestException($"The header `{name}` must be printable ASCII of at most {MaxForwardedValueLength} characters.", name);
                }
            }
        }
    }

    /// <summary>Sets every header of the outgoing request; the request starts with none (client headers are not copied).</summary>
    public static void Apply(HttpRequestMessage upstream, HttpContext client, Deployment deployment, IProviderAdapter adapter, string? apiKey,
        bool stream, bool forwardClientAddress, bool writeTraceContext)
    {
        var headers = upstream.Headers;
        adapter.ApplyHeaders(headers, apiKey);
        headers.Accept.Add(stream ? EventStream : Json);
        headers.UserAgent.Add(UserAgent);

        // The request's own context (the client's trace when it sent one): the trace id of the request log line.
        if (writeTraceContext && Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } traceparent } activity)
        {
            headers.TryAddWithoutValidation("traceparent", traceparent);
            if (activity.TraceStateString is { } traceState)
            {
                headers.TryAddWithoutValidation("tracestate", traceState);
            }
        }

        var forwarded = Forwarded(client, deployment);
        for (var i = 0; i < forwarded.Count; i++)
        {
            var name = forwarded[i];
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
            if (client.Request.Host.HasValue && HeaderValues.IsPrintableAscii(client.Request.Host.Value, MaxForwardedValueLength))
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

    // Indexed, not enumerated through an interface: called twice on every request, usually for an empty list.
    private static IReadOnlyList<string> Forwarded(HttpContext client, Deployment deployment)
    {
        var configured = deployment.Options.ForwardHeaders;
        if (deployment.Provider != ProviderKind.Anthropic || ClientProtocols.Of(client) != ClientProtocol.Anthropic)
        {
            return configured;
        }

        return configured.Count == 0 ? AnthropicClientHeaders : [.. configured, .. AnthropicClientHeaders];
    }

    private static string Version()
    {
        var version = typeof(UpstreamHeaders).Assembly.GetName().Version;
        return version is null ? "1.0" : $"{version.Major}.{version.Minor}.{version.Build}";
    }
}
