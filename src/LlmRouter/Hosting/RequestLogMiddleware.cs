using System.Diagnostics;
using LlmRouter.Auth;
using LlmRouter.Proxy.Attempts;
using LlmRouter.Routing;
using Microsoft.AspNetCore.Http;
using Serilog;
using Serilog.Events;
using Serilog.Parsing;

namespace LlmRouter.Hosting;

/// <summary>
/// One structured line per request: route, policy, deployment, attempts, status, tokens, durations and the
/// error type. Never prompt or completion text, never headers (so never keys). Values a client or an upstream chose
/// (path, method, category, error code) are truncated to <see cref="MaxClientValueLength"/> characters.
/// The event is built once with its exact properties (no diagnostic-context collection, no dictionary growth):
/// at the shipped Information level this line is written for every request.
/// </summary>
internal sealed class RequestLogMiddleware
{
    public const int MaxClientValueLength = 128;

    /// <summary>What a client that left before its answer gets in the log (nginx's convention; nothing is sent).</summary>
    public const int ClientClosedRequest = 499;

    private static readonly MessageTemplate Template = new MessageTemplateParser().Parse(
        "{RequestMethod} {RequestPath} {StatusCode} in {Elapsed:0.0} ms route={Route} policy={Policy} deployment={Deployment} attempts={Attempts} key={Key}");

    private static readonly ScalarValue Null = new(null);
    private static readonly ScalarValue True = new(true);
    private static readonly ScalarValue False = new(false);

    private readonly RequestDelegate _next;
    private readonly ILogger _logger;

    /// <param name="next">The rest of the pipeline.</param>
    /// <param name="logger">
    /// The host's own Serilog logger: with several gateways in one process (tests) each writes to its own sinks.
    /// </param>
    public RequestLogMiddleware(RequestDelegate next, ILogger logger)
    {
        _next = next;
        _logger = logger.ForContext<RequestLogMiddleware>();
    }

    /// <summary>Cuts a client- or upstream-chosen value to a bounded length for the log.</summary>
    public static string? Bounded(string? value)
        => value is null || value.Length <= MaxClientValueLength ? value : string.Concat(value.AsSpan(0, MaxClientValueLength), "…");

    public async Task InvokeAsync(HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await _next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left: nobody to answer, and not the gateway's error.
            Write(context, start, ClientClosedRequest, exception: null);
            return;
        }
        catch (Exception ex) when (Write(context, start, StatusCodes.Status500InternalServerError, ex))
        {
            // Never reached: Write returns false, so the exception handler further out still answers.
        }

        Write(context, start, context.Response.StatusCode, exception: null);
    }

    private bool Write(HttpContext context, long start, int statusCode, Exception? exception)
    {
        var level = exception is not null || statusCode >= 500 && statusCode != ClientClosedRequest ? LogEventLevel.Error : LogEventLevel.Information;
        if (!_logger.IsEnabled(level))
        {
            return false;
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        var routing = context.Features.Get<ChatRoutingFeature>();
        var state = context.Features.Get<RequestAttempts>();
        // Sized for every property and a few enrichers: the event takes this dictionary as it is.
        var properties = new Dictionary<string, LogEventPropertyValue>(20)
        {
            ["RequestMethod"] = Scalar(Bounded(context.Request.Method)),
            ["RequestPath"] = Scalar(Bounded(context.Request.Path.Value)),
            ["StatusCode"] = new ScalarValue(statusCode),
            ["Elapsed"] = new ScalarValue(elapsed.TotalMilliseconds),
            ["Route"] = Scalar(routing?.Route.Name),
            ["Policy"] = Scalar(routing?.Route.Options.Policy),
            ["Category"] = Scalar(Bounded(routing?.Category)),
            ["Stream"] = routing is null ? Null : routing.Request.Stream ? True : False,
            ["Deployment"] = Scalar(state?.Deployment?.Id),
            ["Attempts"] = new ScalarValue(state?.Sent ?? 0),

            // The key's configured or admin-given name, never the key itself.
            ["Key"] = Scalar(context.Features.Get<GatewayKeyFeature>()?.Key.Name),
        };

        if (state?.Usage is { } usage)
        {
            properties["PromptTokens"] = new ScalarValue(usage.PromptTokens);
            properties["CompletionTokens"] = new ScalarValue(usage.CompletionTokens);
            properties["CachedTokens"] = new ScalarValue(usage.CachedTokens);
        }

        if (state is not null)
        {
            // Elapsed is the total as this middleware saw it; these split the attempts' share into upstream wait and gateway time.
            var total = state.Elapsed;
            properties["TotalMs"] = new ScalarValue(total.TotalMilliseconds);
            properties["UpstreamMs"] = new ScalarValue(state.UpstreamDuration.TotalMilliseconds);
            properties["GatewayMs"] = new ScalarValue(Math.Max(0, (total - state.UpstreamDuration).TotalMilliseconds));
        }

        if (state?.LastError is { } error)
        {
            // The same value as the error.type metric attribute; on a recovered request it names what was recovered from.
            properties[statusCode >= 400 ? "ErrorType" : "RecoveredErrorType"] = Scalar(Bounded(error.Code ?? error.Type));
        }

        var activity = Activity.Current;
        _logger.Write(LogEvent.UnstableAssembleFromParts(DateTimeOffset.Now, level, exception, Template, properties,
            activity?.TraceId ?? default, activity?.SpanId ?? default));
        return false;
    }

    private static ScalarValue Scalar(string? value) => value is null ? Null : new ScalarValue(value);
}
