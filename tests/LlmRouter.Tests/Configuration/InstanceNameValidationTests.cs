using LlmRouter.Configuration;

namespace LlmRouter.Tests.Configuration;

public sealed class InstanceNameValidationTests
{
    private static LlmRouterOptions Options(string? instanceName) => new()
    {
        InstanceName = instanceName,
        Deployments = { ["d"] = new DeploymentOptions { Provider = ProviderKind.OpenAI, BaseUrl = DeploymentOptions.Simulated } },
    };

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("llmrouter-0")]
    public void Validate_UnsetOrValidInstanceName_Succeeds(string? name)
        => Assert.True(new LlmRouterOptionsValidator().Validate(null, Options(name)).Succeeded);

    [Theory]
    [InlineData("two words")]
    [InlineData("x\r\ny")]
    public void Validate_InstanceNameWithDisallowedCharacters_FailsNamingTheKey(string name)
    {
        var result = new LlmRouterOptionsValidator().Validate(null, Options(name));

        Assert.True(result.Failed);
        Assert.Contains("LlmRouter:InstanceName", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_InstanceNameLongerThanSixtyFour_Fails()
        => Assert.True(new LlmRouterOptionsValidator().Validate(null, Options(new string('a', 65))).Failed);
}
