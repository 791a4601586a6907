using System.Globalization;
using LlmRouter.Providers;
using LlmRouter.Resilience;
using LlmRouter.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;

namespace LlmRouter.Proxy;

/// <summary>
/// Translates the upstream response for the client: JSON bodies at once, streams event by event through
/// <see cref="TranslatingStreamContent"/>, errors into OpenAI's shape. A retryable failure is held back
/// (body suppressed, nothing sent) when another attempt is allowed.
/// </summary>
internal sealed class ChatResponseTransform : ResponseTransform
{
    // Error bodies are small; a larger one is cut for translation, never forwarded raw.
    private const int MaxErrorBodyBytes = 64 * 1024;

    private readonly RequestAccounting _accounting;
    private readonly TimeProvider _time;
    private readonly GracefulShutdown _shutdown;

    public ChatResponseTransform(RequestAccounting accounting, TimeProvider time, GracefulShutdown shutdown)
    {
        _accounting = accounting;
        _time = time;
        _shutdown = shutdown;
    }

    public override async ValueTask ApplyAsync(ResponseTransformContext context)
    {
        var http = context.HttpContext;
        var state = http.Features.Get<ForwardingState>();
        var routing = http.Features.Get<ChatRoutingFeature>();
        if (state?.Adapter is not { } adapter || state.Deployment is not { } deployment || routing is null || context.ProxyResponse is not { } upstream)
        {
            return;
        }

        var response = http.Response;
        response.Headers.ContentLength = null;
        response.Headers.Remove(HeaderNames.ContentEncoding);
        adapter.TranslateResponseHeaders(upstream.Headers, response.Headers);

        var status = (int)upstream.StatusCode;
        if (status is >= 200 and < 300)
        {
            if (routing.Request.Stream && IsEventStream(upstream.Content.Headers.ContentType))
            {
                // The first token is here: from now on the stream enforces its own idle and total limits, so a
                // timeout ends it with an error event rather than a cut connection.
                state.AttemptTimeout?.CancelAfter(Timeout.InfiniteTimeSpan);
                var translator = adapter.CreateStreamTranslator(routing.Request, deployment);
                var limits = new StreamLimits(TimeSpan.FromSeconds(routing.Route.Options.Resilience.StreamIdleTimeoutSeconds), state.Deadline, _time, _shutdown.Draining);
                upstream.Content = new TranslatingStreamContent(upstream.Content, translator, limits,
                    result => _accounting.RecordAttempt(http, state, new AttemptResult(result.Success, status, result.Usage, result.TimeToFirstByte, result.Error, result.ResponseModel, result.ClientAborted)));
                response.ContentType = "text/event-stream; charset=utf-8";
                response.Headers.CacheControl = "no-cache";
                return;
            }

            var remaining = state.Deadline - _time.GetUtcNow();
            state.AttemptTimeout?.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1));

            var body = await upstream.Content.ReadAsByteArrayAsync(context.CancellationToken);
            TranslatedResponse translated;
            try
            {
                translated = adapter.TranslateResponse(body, routing.Request, deployment);
            }
            catch (System.Text.Json.JsonException)
            {
                var error = new UpstreamError(502, $"The upstream deployment `{deployment.Id}` returned a malformed response.", "server_error", "bad_upstream_response");
                HandleError(context, state, error, status);
                return;
            }

            ReplaceBody(context, upstream, translated.Body);
            _accounting.RecordAttempt(http, state, new AttemptResult(true, status, translated.Usage, ResponseModel: translated.ResponseModel));
            return;
        }

        var errorBody = await ReadBoundedAsync(upstream.Content, context.CancellationToken);
        HandleError(context, state, adapter.TranslateError(status, upstream.Headers, errorBody), status);
    }

    private void HandleError(ResponseTransformContext context, ForwardingState state, UpstreamError error, int upstreamStatus)
    {
        _accounting.RecordAttempt(context.HttpContext, state, new AttemptResult(false, upstreamStatus, Error: error));
        if (error.IsRetryable && state.MoreAttemptsAllowed)
        {
            state.RetryRequested = true;
            state.LastErrorHeaders = KeptErrorHeaders(context.HttpContext.Response.Headers);
            context.SuppressResponseBody = true;
            return;
        }

        var response = context.HttpContext.Response;
        response.StatusCode = error.StatusCode;
        if (error.RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        ReplaceBody(context, context.ProxyResponse!, OpenAIErrorWriter.ToBytes(error));
    }

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

    private static void ReplaceBody(ResponseTransformContext context, HttpResponseMessage upstream, ReadOnlyMemory<byte> body)
    {
        var old = upstream.Content;
        upstream.Content = new ReadOnlyMemoryContent(body);
        old.Dispose();
        var response = context.HttpContext.Response;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
    }

    private static bool IsEventStream(System.Net.Http.Headers.MediaTypeHeaderValue? contentType)
        => string.Equals(contentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxErrorBodyBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        return buffer.AsSpan(0, total).ToArray();
    }
}
