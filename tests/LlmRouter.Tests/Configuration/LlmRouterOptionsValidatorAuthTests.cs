using LlmRouter.Auth;
using LlmRouter.Configuration;

namespace LlmRouter.Tests.Configuration;

/// <summary>The validator's rules for <c>LlmRouter:Auth</c> and deployment quotas: each mistake is named by its key.</summary>
public sealed class LlmRouterOptionsValidatorAuthTests
{
    private static readonly string Hash = KeyHash.Of("secret");

    [Fact]
    public void Validate_ValidKeysTeamsAndQuotas_Succeeds()
    {
        var options = Options();
        options.Auth.Keys["alice"] = new GatewayKeyOptions { Hash = Hash, Team = "blue", Routes = ["chat"], RequestsPerMinute = 10, BudgetUsd = 5, BudgetWindow = BudgetWindow.Day };
        options.Auth.Teams["blue"] = new TenantLimitsOptions { TokensPerMinute = 1000, MaxParallelRequests = 4 };
        options.Deployments["chat"].RequestsPerMinute = 100;

        Assert.True(Validate(options).Succeeded);
    }

    [Theory]
    [InlineData("secret", "LlmRouter:Auth:Keys:alice:Hash must be 'sha256:'")]
    [InlineData("sha256:ABC", "LlmRouter:Auth:Keys:alice:Hash must be 'sha256:'")]
    [InlineData(null, "LlmRouter:Auth:Keys:alice:Hash must be 'sha256:'")]
    public void Validate_HashNotSha256Hex_NamesTheKey(string? hash, string expected)
    {
        var options = Options();
        options.Auth.Keys["alice"] = new GatewayKeyOptions { Hash = hash };

        Assert.Contains(Validate(options).Failures!, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_TwoKeysWithOneHash_Fails()
    {
        var options = Options();
        options.Auth.Keys["alice"] = new GatewayKeyOptions { Hash = Hash };
        options.Auth.Keys["bob"] = new GatewayKeyOptions { Hash = Hash };

        Assert.Contains(Validate(options).Failures!, f => f.Contains("is the same as LlmRouter:Auth:Keys:alice:Hash", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RouteThatDoesNotExist_NamesIt()
    {
        var options = Options();
        options.Auth.Keys["alice"] = new GatewayKeyOptions { Hash = Hash, Routes = ["nope"] };

        Assert.Contains(Validate(options).Failures!, f => f.StartsWith("LlmRouter:Auth:Keys:alice:Routes names 'nope'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("RequestsPerMinute")]
    [InlineData("TokensPerMinute")]
    [InlineData("MaxParallelRequests")]
    [InlineData("BudgetUsd")]
    public void Validate_NonPositiveTeamLimit_NamesIt(string field)
    {
        var limits = new TenantLimitsOptions();
        typeof(TenantLimitsOptions).GetProperty(field)!.SetValue(limits, field switch
        {
            "TokensPerMinute" => (object)0L,
            "BudgetUsd" => -1d,
            _ => 0,
        });
        var options = Options();
        options.Auth.Teams["blue"] = limits;

        Assert.Contains(Validate(options).Failures!, f => f.StartsWith($"LlmRouter:Auth:Teams:blue:{field} must be positive", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("-leading")]
    [InlineData("a/b")]
    public void Validate_KeyNameUnfitForLabelsAndStoreKeys_Fails(string name)
    {
        var options = Options();
        options.Auth.Keys[name] = new GatewayKeyOptions { Hash = Hash };

        Assert.Contains(Validate(options).Failures!, f => f.StartsWith($"LlmRouter:Auth:Keys:{name}: key names use", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_LeaseAndDefaultCompletionTokens_MustBePositive()
    {
        var options = Options();
        options.Auth.LeaseSeconds = 0.5;
        options.Auth.DefaultCompletionTokens = 0;

        var failures = Validate(options).Failures!;

        Assert.Contains("LlmRouter:Auth:LeaseSeconds must be at least 1.", failures);
        Assert.Contains("LlmRouter:Auth:DefaultCompletionTokens must be positive.", failures);
    }

    [Fact]
    public void Validate_DeploymentQuotaNotPositive_NamesTheDeployment()
    {
        var options = Options();
        options.Deployments["chat"].TokensPerMinute = 0;
        options.Deployments["chat"].Pricing.CachedInputPerMillion = -1;

        var failures = Validate(options).Failures!;

        Assert.Contains("LlmRouter:Deployments:chat:RequestsPerMinute and TokensPerMinute must be positive when set.", failures);
        Assert.Contains("LlmRouter:Deployments:chat:Pricing:CachedInputPerMillion must not be negative.", failures);
    }

    [Fact]
    public void IsEnforced_NoKeysUnlessRequired()
    {
        var auth = new AuthOptions();
        Assert.False(auth.IsEnforced);
        auth.Required = true;
        Assert.True(auth.IsEnforced);
    }

    private static LlmRouterOptions Options() => new()
    {
        Deployments = new(StringComparer.Ordinal) { ["chat"] = new DeploymentOptions { Provider = ProviderKind.OpenAI } },
    };

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(LlmRouterOptions options)
        => new LlmRouterOptionsValidator().Validate(null, options);
}
