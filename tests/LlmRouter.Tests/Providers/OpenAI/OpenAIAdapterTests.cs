using System.Net.Http.Headers;
using LlmRouter.Configuration;
using LlmRouter.Providers.OpenAI;
using Microsoft.AspNetCore.Http;
using static LlmRouter.Tests.Providers.OpenAI.OpenAITestData;

namespace LlmRouter.Tests.Providers.OpenAI;

public sealed class OpenAIAdapterTests
{
    private readonly OpenAIAdapter _adapter = new();

    [Fact]
    public void Kind_IsOpenAI() => Assert.Equal(ProviderKind.OpenAI, _adapter.Kind);

    [Fact]
    public void ApplyHeaders_WithKey_SetsBearerAuthorization()
    {
        using var message = new HttpRequestMessage();

        _adapter.ApplyHeaders(message.Headers, "sk-test");

        Assert.Equal(new AuthenticationHeaderValue("Bearer", "sk-test"), message.Headers.Authorization);
    }

    [Fact]
    public void ApplyHeaders_WithoutKey_SetsNothing()
    {
        using var message = new HttpRequestMessage();

        _adapter.ApplyHeaders(message.Headers, null);

        Assert.Null(message.Headers.Authorization);
    }

    [Fact]
    public void TranslateResponseHeaders_AddsNothing()
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("x-ratelimit-remaining-requests", "3");
        var client = new HeaderDictionary();

        _adapter.TranslateResponseHeaders(response.Headers, client);

        Assert.Empty(client);
    }

    [Fact]
    public void CreateStreamTranslator_UsesClientsIncludeUsage()
    {
        using var asked = Parse("""{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""");
        using var notAsked = Parse("""{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        const string upstream = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}\n\ndata: [DONE]\n\n";

        using var withUsage = _adapter.CreateStreamTranslator(asked, Deployment());
        using var withoutUsage = _adapter.CreateStreamTranslator(notAsked, Deployment());

        Assert.Contains("\"usage\":{", Run(withUsage, upstream), StringComparison.Ordinal);
        Assert.DoesNotContain("\"usage\"", Run(withoutUsage, upstream), StringComparison.Ordinal);
    }
}
