using LlmRouter.Configuration;
using LlmRouter.Limits;
using LlmRouter.Providers;

namespace LlmRouter.Tests.Limits;

public sealed class UsageCostTests
{
    [Fact]
    public void Usd_CachedInputAtItsOwnPriceWhenConfigured()
    {
        var pricing = new PricingOptions { InputPerMillion = 2, OutputPerMillion = 8, CachedInputPerMillion = 0.5 };

        var cost = UsageCost.Usd(pricing, new TokenUsage(1_000_000, 500_000, 1_500_000, CachedTokens: 400_000));

        Assert.Equal((0.6 * 2) + (0.4 * 0.5) + (0.5 * 8), cost, 9);
    }

    [Fact]
    public void Usd_NoCachedPrice_CachedTokensCostTheInputPrice()
    {
        var pricing = new PricingOptions { InputPerMillion = 2, OutputPerMillion = 8 };

        Assert.Equal(2 + 8, UsageCost.Usd(pricing, new TokenUsage(1_000_000, 1_000_000, 2_000_000, CachedTokens: 300_000)), 9);
    }
}
