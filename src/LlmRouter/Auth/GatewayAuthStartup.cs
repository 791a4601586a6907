using LlmRouter.Limits;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRouter.Auth;

/// <summary>Says at start whether the gateway is open or key-protected, and warms the tokenizer when keys are in use.</summary>
internal static partial class GatewayAuthStartup
{
    public static void Announce(IServiceProvider services)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayAuthStartup).FullName!);
        var fleet = services.GetRequiredService<FleetState>();
        if (services.GetRequiredService<KeyDirectory>().IsEnforced)
        {
            LogKeysRequired(logger, fleet.StoreName);
            var tokens = services.GetRequiredService<TokenEstimator>();
            _ = Task.Run(tokens.Warm);
        }
        else
        {
            LogOpen(logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No gateway key is configured (LlmRouter:Auth:Keys): /v1/* is open to anyone who can reach the gateway")]
    private static partial void LogOpen(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway keys required on /v1/*; limits kept in the {Store} store")]
    private static partial void LogKeysRequired(ILogger logger, string store);
}
