using LlmRouter.Configuration;
using LlmRouter.Providers;

namespace LlmRouter.Limits;

/// <summary>Spend from a deployment's <c>Pricing</c>: cached input tokens at their own price when one is configured.</summary>
internal static class UsageCost
{
    public static double Usd(PricingOptions pricing, TokenUsage usage)
    {
        var cached = Math.Clamp(usage.CachedTokens, 0, usage.PromptTokens);
        var input = ((usage.PromptTokens - cached) * pricing.InputPerMillion) + (cached * (pricing.CachedInputPerMillion ?? pricing.InputPerMillion));
        return (input + (usage.CompletionTokens * pricing.OutputPerMillion)) / 1_000_000d;
    }

    /// <summary>The most a request can cost on any deployment it might reach (route members and fallbacks).</summary>
    public static double Estimate(RouteDefinition route, long promptTokens, long completionTokens)
    {
        var most = 0d;
        foreach (var deployment in route.Members.Concat(route.Fallbacks))
        {
            var pricing = deployment.Options.Pricing;
            most = Math.Max(most, ((promptTokens * pricing.InputPerMillion) + (completionTokens * pricing.OutputPerMillion)) / 1_000_000d);
        }

        return most;
    }
}
