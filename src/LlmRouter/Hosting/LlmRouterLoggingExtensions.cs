using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serilog;
using Serilog.Formatting.Compact;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Structured logging for the gateway host.</summary>
public static class LlmRouterLoggingExtensions
{
    /// <summary>
    /// Uses Serilog with settings from the <c>Serilog</c> section; console output is JSON when
    /// <c>LlmRouter:Logging:Json</c> is true. No bootstrap logger: several hosts may start in one test process.
    /// </summary>
    public static WebApplicationBuilder AddLlmRouterLogging(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var json = builder.Configuration.GetValue<bool>("LlmRouter:Logging:Json");
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(builder.Configuration).ReadFrom.Services(services).Enrich.FromLogContext();
            if (json)
            {
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
            else
            {
                logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
            }
        });
        return builder;
    }
}
