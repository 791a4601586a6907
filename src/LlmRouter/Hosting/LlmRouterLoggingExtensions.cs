using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serilog;
using Serilog.Formatting;
using Serilog.Formatting.Compact;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Structured logging for the gateway host.</summary>
public static class LlmRouterLoggingExtensions
{
    /// <summary>
    /// Uses Serilog with settings from the <c>Serilog</c> section; console output is JSON when
    /// <c>LlmRouter:Logging:Json</c> is true (one JSON object per line, with <c>@tr</c>/<c>@sp</c> trace and span ids).
    /// Sinks registered in the container as <see cref="Serilog.Core.ILogEventSink"/> receive events too.
    /// The static <c>Log.Logger</c> is left alone (no bootstrap logger either): several hosts may run in one
    /// process, and each must log through its own logger, request lines and diagnostic properties included.
    /// </summary>
    public static WebApplicationBuilder AddLlmRouterLogging(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSerilog((services, logger) =>
        {
            // Read when the logger is built, so configuration added by hosts and test factories counts.
            var json = builder.Configuration.GetValue<bool>("LlmRouter:Logging:Json");
            logger.ReadFrom.Configuration(builder.Configuration).ReadFrom.Services(services).Enrich.FromLogContext();
            if (json)
            {
                logger.WriteTo.Console(CreateJsonFormatter());
            }
            else
            {
                logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
            }
        }, preserveStaticLogger: true);
        return builder;
    }

    /// <summary>
    /// Compact JSON with the message rendered; Serilog 4 captures the current Activity's trace and span ids on
    /// every event and this formatter writes them as <c>@tr</c> and <c>@sp</c>.
    /// </summary>
    internal static ITextFormatter CreateJsonFormatter() => new RenderedCompactJsonFormatter();
}
