using LlmRouter.Configuration;
using LlmRouter.Providers.Gemini;
using Microsoft.AspNetCore.Http;
using static LlmRouter.Tests.Providers.Gemini.GeminiTestData;

namespace LlmRouter.Tests.Providers.Gemini;

public sealed class GeminiAdapterTests
{
    private readonly GeminiAdapter _adapter = new(new ThoughtSignatureStore());

    [Fact]
    public void Kind_IsGemini() => Assert.Equal(ProviderKind.Gemini, _adapter.Kind);

    [Theory]
    [InlineData(false, "/v1beta/models/gemini-2.5-flash:generateContent")]
    [InlineData(true, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")]
    public void CreateRequest_StreamFlag_SelectsMethodPath(bool stream, string path)
    {
        using var request = Request($$"""{"model":"m","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""");

        var upstream = _adapter.CreateRequest(request, Deployment());

        Assert.Equal(path, upstream.PathAndQuery);
        Assert.DoesNotContain("key=", upstream.PathAndQuery);
    }

    [Fact]
    public void CreateRequest_ModelConfiguredAsResourceName_IsNotDoubled()
        => Assert.Equal("/v1beta/models/gemini-2.5-pro:generateContent", GeminiAdapter.PathFor("models/gemini-2.5-pro", stream: false));

    [Fact]
    public void ApplyHeaders_Key_SetsGoogleApiKeyHeaderOnce()
    {
        using var message = new HttpRequestMessage();

        _adapter.ApplyHeaders(message.Headers, "secret");
        _adapter.ApplyHeaders(message.Headers, "secret");

        Assert.Equal(["secret"], message.Headers.GetValues("x-goog-api-key"));
        Assert.Null(message.Headers.Authorization);
    }

    [Fact]
    public void ApplyHeaders_NoKey_AddsNothing()
    {
        using var message = new HttpRequestMessage();

        _adapter.ApplyHeaders(message.Headers, null);

        Assert.Empty(message.Headers);
    }

    [Fact]
    public void TranslateResponseHeaders_AddsNothingAndDoesNotThrow()
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("x-goog-something", "1");
        var client = new HeaderDictionary();

        _adapter.TranslateResponseHeaders(response.Headers, client);

        Assert.Empty(client);
    }

    [Fact]
    public void CreateStreamTranslator_IncludeUsage_WritesUsageNullOnChunks()
    {
        using var request = Request("""{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""");
        using var translator = _adapter.CreateStreamTranslator(request, Deployment());
        var output = new System.Buffers.ArrayBufferWriter<byte>();

        translator.Translate(System.Text.Encoding.UTF8.GetBytes(Event("""{"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}]}""")), output);
        translator.Complete(output);

        var text = System.Text.Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.Contains("\"usage\":null", text);
        Assert.StartsWith("data: {\"id\":\"chatcmpl-", text);
        Assert.EndsWith("data: [DONE]\n\n", text);
    }
}
