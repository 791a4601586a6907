using LlmRouter.Auth;
using LlmRouter.Proxy.Attempts;
using LlmRouter.Proxy;
using LlmRouter.Routing;
using Microsoft.AspNetCore.Http;
using Serilog;
using Serilog.AspNetCore;
using Serilog.Events;

namespace LlmRouter.Hosting;

/// <summary>
/// One structured line per request: route, policy, deployment, attempts, status, tokens, durations and the
/// error type. Never prompt or completion text, never headers (so never keys). Values a client or an upstream chose
/// (path, method, category, error code) are truncated to <see cref="MaxClientValueLength"/> characters.
/// </summary>
internal static class RequestLogging
{
    public const int MaxClientValueLength = 128;

    /// <param name="options">Serilog's request logging options.</param>
    /// <param name="logger">
    /// The host's own logger. Without it Serilog writes through the static <c>Log.Logger</c>, which is the last
    /// host built in the process: with several gateways in one process (tests) lines would land in another's sinks.
    /// </param>
    public static void Configure(RequestLoggingOptions options, ILogger? logger)
    {
        options.Logger = logger;
        options.MessageTemplate = "{RequestMethod} {RequestPath} {StatusCode} in {Elapsed:0.0} ms route={Route} policy={Policy} deployment={Deployment} attempts={Attempts} key={Key}";
        options.EnrichDiagnosticContext = Enrich;
        options.GetMessageTemplateProperties = MessageTemplateProperties;
    }

    /// <summary>Cuts a client- or upstream-chosen value to a bounded length for the log.</summary>
    public static string? Bounded(string? value)
        => value is null || value.Length <= MaxClientValueLength ? value : string.Concat(value.AsSpan(0, MaxClientValueLength), "…");

    private static IEnumerable<LogEventProperty> MessageTemplateProperties(HttpContext context, string path, double elapsedMs, int statusCode) =>
    [
        new LogEventProperty("RequestMethod", new ScalarValue(Bounded(context.Request.Method))),
        new LogEventProperty("RequestPath", new ScalarValue(Bounded(path))),
        new LogEventProperty("StatusCode", new ScalarValue(statusCode)),
        new LogEventProperty("Elapsed", new ScalarValue(elapsedMs)),
    ];

    private static void Enrich(IDiagnosticContext diagnostics, HttpContext context)
    {
        var routing = context.Features.Get<ChatRoutingFeature>();
        var state = context.Features.Get<RequestAttempts>();
        diagnostics.Set("Route", routing?.Route.Name);
        diagnostics.Set("Policy", routing?.Route.Options.Policy);
        diagnostics.Set("Category", Bounded(routing?.Category));
        diagnostics.Set("Stream", routing?.Request.Stream);
        diagnostics.Set("Deployment", state?.Deployment?.Id);
        diagnostics.Set("Attempts", state?.Sent ?? 0);

        // The key's configured or admin-given name, never the key itself.
        diagnostics.Set("Key", context.Features.Get<GatewayKeyFeature>()?.Key.Name);
        if (state?.Usage is { } usage)
        {
            diagnostics.Set("PromptTokens", usage.PromptTokens);
            diagnostics.Set("CompletionTokens", usage.CompletionTokens);
            diagnostics.Set("CachedTokens", usage.CachedTokens);
        }

        if (state is not null)
        {
            // Elapsed (written by Serilog) is the total; these split it into upstream wait and gateway time.
            var total = state.Elapsed;
            diagnostics.Set("TotalMs", total.TotalMilliseconds);
            diagnostics.Set("UpstreamMs", state.UpstreamDuration.TotalMilliseconds);
            diagnostics.Set("GatewayMs", Math.Max(0, (total - state.UpstreamDuration).TotalMilliseconds));
        }

        if (state?.LastError is { } error)
        {
            // The same value as the error.type metric attribute; on a recovered request it names what was recovered from.
            diagnostics.Set(context.Response.StatusCode >= 400 ? "ErrorType" : "RecoveredErrorType", Bounded(error.Code ?? error.Type));
        }
    }
}
