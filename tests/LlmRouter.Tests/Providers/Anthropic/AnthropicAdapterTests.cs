using LlmRouter.Configuration;
using static LlmRouter.Tests.Providers.Anthropic.AnthropicTestData;

namespace LlmRouter.Tests.Providers.Anthropic;

public sealed class AnthropicAdapterTests
{
    [Fact]
    public void Kind_IsAnthropic() => Assert.Equal(ProviderKind.Anthropic, Adapter().Kind);

    [Fact]
    public void CreateRequest_TargetsMessagesEndpoint()
    {
        using var request = Request("""{"model":"m","messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal("/v1/messages", Adapter().CreateRequest(request, Deployment()).PathAndQuery);
    }

    [Fact]
    public void ApplyHeaders_SetsKeyAndVersion()
    {
        using var message = new HttpRequestMessage();
        Adapter().ApplyHeaders(message.Headers, "sk-ant-test");

        Assert.Equal("sk-ant-test", Assert.Single(message.Headers.GetValues("x-api-key")));
        Assert.Equal("2023-06-01", Assert.Single(message.Headers.GetValues("anthropic-version")));
    }

    [Fact]
    public void ApplyHeaders_NullKey_SetsOnlyVersion()
    {
        using var message = new HttpRequestMessage();
        Adapter().ApplyHeaders(message.Headers, null);

        Assert.False(message.Headers.Contains("x-api-key"));
        Assert.Equal("2023-06-01", Assert.Single(message.Headers.GetValues("anthropic-version")));
    }

    [Fact]
    public void ApplyHeaders_CalledTwice_DoesNotDuplicate()
    {
        using var message = new HttpRequestMessage();
        var headers = message.Headers;
        Adapter().ApplyHeaders(headers, "a");
        Adapter().ApplyHeaders(headers, "b");

        Assert.Equal("b", Assert.Single(headers.GetValues("x-api-key")));
        Assert.Single(headers.GetValues("anthropic-version"));
    }
}
