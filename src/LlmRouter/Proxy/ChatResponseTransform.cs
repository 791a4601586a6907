using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols;
using LlmRouter.Providers;
using LlmRouter.Proxy.Attempts;
using LlmRouter.Resilience;
using LlmRouter.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;

namespace LlmRouter.Proxy;

/// <summary>
/// Translates the upstream response for the client and decides when the attempt commits to it: a JSON body once it
/// has been read whole and translated, a stream once its first content-bearing event is in (both within the
/// first-token limit). Until then nothing is sent, and any failure — error status, error event, stall, cut, malformed
/// or oversized data — is reported as the attempt's result with the body suppressed, for the attempt loop to retry
/// or answer.
/// </summary>
internal sealed class ChatResponseTransform : ResponseTransform
{
    // Error bodies are small; a larger one is cut for translation, never forwarded raw.
    private const int MaxErrorBodyBytes = 64 * 1024;

    private readonly TimeProvider _time;
    private readonly GracefulShutdown _shutdown;

    public ChatResponseTransform(TimeProvider time, GracefulShutdown shutdown)
    {
        _time = time;
        _shutdown = shutdown;
    }

    public override async ValueTask ApplyAsync(ResponseTransformContext context)
    {
        var http = context.HttpContext;
        var attempt = http.Features.Get<UpstreamAttempt>();
        var routing = http.Features.Get<ChatRoutingFeature>();
        if (attempt?.Adapter is not { } adapter || attempt.Deployment is not { } deployment || routing is null || context.ProxyResponse is not { } upstream)
        {
            return;
        }

        var response = http.Response;
        response.Headers.ContentLength = null;
        response.Headers.Remove(HeaderNames.ContentEncoding);
        adapter.TranslateResponseHeaders(upstream.Headers, response.Headers);

        var status = (int)upstream.StatusCode;
        var limits = routing.Catalog.Options.Limits;
        AttemptResult? failure;
        try
        {
            if (status is < 200 or >= 300)
            {
                var errorBody = await ReadBoundedAsync(http, upstream.Content, MaxErrorBodyBytes, truncate: true, attempt.Token);
                failure = Failure(status, UpstreamFailures.Classify(adapter.TranslateError(status, upstream.Headers, errorBody!.Value.Span), deployment, limits), response.Headers);
            }
            else if (routing.Request.Stream && IsEventStream(upstream.Content.Headers.ContentType))
            {
                failure = await CommitStreamAsync(context, routing, attempt, adapter, deployment, status);
            }
            else
            {
                failure = await CommitBodyAsync(context, routing, attempt, adapter, deployment, status, limits.MaxUpstreamResponseBytes);
            }
        }
        catch (OperationCanceledException) when (attempt.Token.IsCancellationRequested)
        {
            failure = attempt.ClientAborted.IsCancellationRequested
                ? AttemptResult.Aborted(status)
                : AttemptResult.Failed(new UpstreamError(504, $"The deployment `{deployment.Id}` did not produce a first token within the time-to-first-token limit.",
                    "server_error", "timeout"), status);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            failure = AttemptResult.Failed(new UpstreamError(502, $"The connection to the deployment `{deployment.Id}` failed while reading its response.",
                "server_error", "upstream_error"), status);
        }

        if (failure is { } result)
        {
            // Nothing goes to the client; the attempt loop retries or answers.
            attempt.Report(result);
            context.SuppressResponseBody = true;
        }
    }

    private async ValueTask<AttemptResult?> CommitStreamAsync(ResponseTransformContext context, ChatRoutingFeature routing, UpstreamAttempt attempt,
        IProviderAdapter adapter, Deployment deployment, int status)
    {
        var upstream = context.ProxyResponse!;
        var options = routing.Catalog.Options;
        var limits = new StreamLimits(TimeSpan.FromSeconds(routing.Route.Options.Resilience.StreamIdleTimeoutSeconds),
            context.HttpContext.Features.Get<RequestAttempts>()?.Deadline ?? DateTimeOffset.MaxValue, _time, options.Limits.MaxUpstreamEventBytes, _shutdown.Draining);
        var stream = new TranslatingStream(await upstream.Content.ReadAsStreamAsync(attempt.Token), ProtocolBridge.CreateStreamTranslator(adapter, routing, deployment),
            limits, attempt, status);
        bool firstToken;
        try
        {
            firstToken = await stream.ReadToFirstTokenAsync(attempt.Token);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }

        if (!firstToken)
        {
            var error = UpstreamFailures.Classify(stream.Error!, deployment, options.Limits);
            await stream.DisposeAsync();
            return Failure(status, error, context.HttpContext.Response.Headers);
        }

        // Committed: the client gets the held events at once, then the rest as it arrives.
        attempt.DisarmFirstTokenTimer();
        upstream.Content = new TranslatingStreamContent(upstream.Content, stream);
        var response = context.HttpContext.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        return null;
    }

    private static async ValueTask<AttemptResult?> CommitBodyAsync(ResponseTransformContext context, ChatRoutingFeature routing, UpstreamAttempt attempt,
        IProviderAdapter adapter, Deployment deployment, int status, int maxBytes)
    {
        var upstream = context.ProxyResponse!;
        var body = await ReadBoundedAsync(context.HttpContext, upstream.Content, maxBytes, truncate: false, attempt.Token);
        if (body is null)
        {
            return AttemptResult.Failed(new UpstreamError(502, $"The deployment `{deployment.Id}` returned a response larger than the gateway's limit of {maxBytes} bytes.",
                "server_error", "upstream_response_too_large"), status);
        }

        TranslatedResponse translated;
        try
        {
            translated = ProtocolBridge.TranslateResponse(adapter, body.Value, routing, deployment);
        }
        catch (System.Text.Json.JsonException)
        {
            return AttemptResult.Failed(new UpstreamError(502, $"The upstream deployment `{deployment.Id}` returned a malformed response.", "server_error", "bad_upstream_response"), status);
        }

        attempt.DisarmFirstTokenTimer();
        var old = upstream.Content;
        upstream.Content = new ReadOnlyMemoryContent(translated.Body);
        old.Dispose();
        var response = context.HttpContext.Response;
        response.ContentType = "application/json";
        response.ContentLength = translated.Body.Length;
        attempt.Report(new AttemptResult(AttemptResultKind.Succeeded, status, Committed: true, Usage: translated.Usage, ResponseModel: translated.ResponseModel));
        return null;
    }

    private static AttemptResult Failure(int status, UpstreamError error, IHeaderDictionary responseHeaders)
        => AttemptResult.Upstream(status, error, KeptErrorHeaders(responseHeaders));

    private static List<KeyValuePair<string, string>> KeptErrorHeaders(IHeaderDictionary headers)
    {
        var kept = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in headers)
        {
            if (name.StartsWith("x-ratelimit-", StringComparison.OrdinalIgnoreCase) || name.Equals("x-request-id", StringComparison.OrdinalIgnoreCase))
            {
                kept.Add(new(name, value.ToString()));
            }
        }

        return kept;
    }

    private static bool IsEventStream(System.Net.Http.Headers.MediaTypeHeaderValue? contentType)
        => string.Equals(contentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads at most <paramref name="limit"/> bytes: cut there when <paramref name="truncate"/>, else null when the body is larger.</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBoundedAsync(HttpContext context, HttpContent content, int limit, bool truncate,
        CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > limit && !truncate)
        {
            return null;
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);

        // Pooled when small (BodyBuffers): the body (or the client's answer, which passes through unchanged for OpenAI)
        // is needed until the response has been sent, and goes back then.
        var buffer = BodyBuffers.Rent(Math.Min(limit, (int)Math.Min(content.Headers.ContentLength ?? 16 * 1024, limit)) + 1);
        context.Response.OnCompleted(BodyBuffers.ReturnOnCompleted, buffer);
        var total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
            if (total == buffer.Length)
            {
                if (total > limit)
                {
                    // (An explicit branch: a bare null would convert to an empty Memory through byte[].)
                    if (!truncate)
                    {
                        return null;
                    }

                    return new ReadOnlyMemory<byte>(buffer, 0, limit);
                }

                var larger = BodyBuffers.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1L));
                buffer.AsSpan().CopyTo(larger);
                context.Response.OnCompleted(BodyBuffers.ReturnOnCompleted, larger);
                buffer = larger;
            }
        }

        return buffer.AsMemory(0, total);
    }
}
