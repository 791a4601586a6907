using LlmRouter.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serilog;
using Serilog.Formatting;
using Serilog.Formatting.Compact;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Structured logging for the gateway host.</summary>
public static class LlmRouterLoggingExtensions
{
    // Events held for the console at most; beyond it new events are dropped and counted.
    private const int LogQueueCapacity = 10_000;

    /// <summary>
    /// Uses Serilog with settings from the <c>Serilog</c> section; console output is JSON when
    /// <c>LlmRouter:Logging:Json</c> is true (one JSON object per line, with <c>@tr</c>/<c>@sp</c> trace and span ids).
    /// Console output goes through a bounded background queue (<c>Serilog.Sinks.Async</c>, 10,000 events, dropping
    /// and counting on overflow); when stdout is redirected (containers, files) it is written in batches every 50 ms at
    /// most rather than one write per event. Sinks registered in the container as <see cref="Serilog.Core.ILogEventSink"/> receive events too.
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
            // The console is written by a background worker behind a bounded queue: a request never waits for it,
            // and a console that cannot keep up costs dropped (and counted) events, not throughput.
            var monitor = services.GetService<LlmRouter.Telemetry.LogQueueMonitor>();
            logger.WriteTo.Async(
                sink =>
                {
                    if (Console.IsOutputRedirected)
                    {
                        // A container log, file or pipe: written in batches rather than a system call per line.
                        sink.Sink(new BufferedConsoleSink(json ? CreateJsonFormatter() : new PlainTextLogFormatter()));
                    }
                    else if (json)
                    {
                        sink.Console(CreateJsonFormatter());
                    }
                    else
                    {
                        sink.Console(outputTemplate: PlainTextLogFormatter.Template);
                    }
                },
                bufferSize: LogQueueCapacity,
                blockWhenFull: false,
                monitor: monitor);
        }, preserveStaticLogger: true);
        return builder;
    }

    /// <summary>
    /// Compact JSON with the message rendered; Serilog 4 captures the current Activity's trace and span ids on
    /// every event and this formatter writes them as <c>@tr</c> and <c>@sp</c>.
    /// </summary>
    internal static ITextFormatter CreateJsonFormatter() => new RenderedCompactJsonFormatter();
}
