using LlmRouter.Proxy;
using LlmRouter.Routing;
using Microsoft.AspNetCore.Http;
using Serilog;
using Serilog.AspNetCore;

namespace LlmRouter.Hosting;

/// <summary>One structured line per request: route, policy, deployment, attempts, status, tokens, durations. Never prompt text or keys.</summary>
internal static class RequestLogging
{
    public static void Configure(RequestLoggingOptions options)
    {
        options.MessageTemplate = "{RequestMethod} {RequestPath} {StatusCode} in {Elapsed:0.0} ms route={Route} deployment={Deployment} attempts={Attempts}";
        options.EnrichDiagnosticContext = Enrich;
    }

    private static void Enrich(IDiagnosticContext diagnostics, HttpContext context)
    {
        var routing = context.Features.Get<ChatRoutingFeature>();
        var state = context.Features.Get<ForwardingState>();
        diagnostics.Set("Route", routing?.Route.Name);
        diagnostics.Set("Policy", routing?.Route.Options.Policy);
        diagnostics.Set("Category", routing?.Category);
        diagnostics.Set("Stream", routing?.Request.Stream);
        diagnostics.Set("Deployment", state?.Deployment?.Id);
        diagnostics.Set("Attempts", state?.Attempts ?? 0);
        if (state?.Usage is { } usage)
        {
            diagnostics.Set("PromptTokens", usage.PromptTokens);
            diagnostics.Set("CompletionTokens", usage.CompletionTokens);
            diagnostics.Set("CachedTokens", usage.CachedTokens);
        }

        if (state is not null)
        {
            diagnostics.Set("UpstreamMs", state.UpstreamDuration.TotalMilliseconds);
        }

        if (state?.LastError is { } error)
        {
            diagnostics.Set("ErrorType", error.Type);
        }
    }
}
