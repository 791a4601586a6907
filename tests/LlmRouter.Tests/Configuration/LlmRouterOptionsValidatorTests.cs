using LlmRouter.Configuration;

namespace LlmRouter.Tests.Configuration;

public sealed class LlmRouterOptionsValidatorTests
{
    private static LlmRouterOptions Valid()
    {
        var options = new LlmRouterOptions();
        options.Deployments["d"] = new DeploymentOptions { Provider = ProviderKind.OpenAI };
        return options;
    }

    private static IReadOnlyList<string> Errors(LlmRouterOptions options)
        => new LlmRouterOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void Validate_DefaultLimits_AreAccepted()
    {
        Assert.Empty(Errors(Valid()));
    }

    public static TheoryData<Action<LimitsOptions>, string> BadLimits => new()
    {
        { l => l.MaxBufferedRequestBytes = 0, "LlmRouter:Limits:MaxBufferedRequestBytes" },
        { l => l.MaxBufferedRequestBytes = -1, "LlmRouter:Limits:MaxBufferedRequestBytes" },
        { l => l.MaxClassifiedPromptChars = 0, "LlmRouter:Limits:MaxClassifiedPromptChars" },
        { l => l.MaxUpstreamResponseBytes = -5, "LlmRouter:Limits:MaxUpstreamResponseBytes" },
        { l => l.MaxUpstreamEventBytes = 0, "LlmRouter:Limits:MaxUpstreamEventBytes" },
        { l => l.MaxRetryAfterSeconds = 0, "LlmRouter:Limits:MaxRetryAfterSeconds" },
        { l => l.MaxRetryAfterSeconds = double.NaN, "LlmRouter:Limits:MaxRetryAfterSeconds" },
        { l => l.MaxRetryAfterSeconds = double.PositiveInfinity, "LlmRouter:Limits:MaxRetryAfterSeconds" },
        { l => l.AuthenticationFailureCooldownSeconds = -1, "LlmRouter:Limits:AuthenticationFailureCooldownSeconds" },
        { l => l.AuthenticationFailureCooldownSeconds = double.NaN, "LlmRouter:Limits:AuthenticationFailureCooldownSeconds" },
    };

    [Theory]
    [MemberData(nameof(BadLimits))]
    public void Validate_NonPositiveLimit_FailsNamingTheKey(Action<LimitsOptions> change, string key)
    {
        var options = Valid();
        change(options.Limits);

        var error = Assert.Single(Errors(options));
        Assert.StartsWith(key + " must be", error, StringComparison.Ordinal);
    }
}
