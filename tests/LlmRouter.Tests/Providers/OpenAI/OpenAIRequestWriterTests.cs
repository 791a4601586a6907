using System.Text;
using System.Text.Json;
using LlmRouter.Providers.OpenAI;
using static LlmRouter.Tests.Providers.OpenAI.OpenAITestData;

namespace LlmRouter.Tests.Providers.OpenAI;

public sealed class OpenAIRequestWriterTests
{
    private readonly OpenAIAdapter _adapter = new();

    private string Create(string json, string upstreamModel = "gpt-4o-2024-08-06")
    {
        using var request = Parse(json);
        var upstream = _adapter.CreateRequest(request, Deployment(upstreamModel));
        Assert.Equal("/v1/chat/completions", upstream.PathAndQuery);
        return Encoding.UTF8.GetString(upstream.Body.Span);
    }

    [Fact]
    public void Create_NonStreaming_ReplacesOnlyModelAndKeepsEverythingElseByteForByte()
    {
        const string body = """
            {"x_first":{"a":[1,2.50,1e3]}, "model" : "alias",
             "messages":[{"role":"user","content":"caf\u00e9 😀 \"q\""}],"logit_bias":{"50256":-100},"temperature":0.70,"zz_unknown":null}
            """;

        var result = Create(body);

        Assert.Equal(body.Replace("\"alias\"", "\"gpt-4o-2024-08-06\"", StringComparison.Ordinal), result);
    }

    [Fact]
    public void Create_ModelNeedingEscapes_IsWrittenAsValidJson()
    {
        var result = Create("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""", "we\"ird\\model");

        using var document = JsonDocument.Parse(result);
        Assert.Equal("we\"ird\\model", document.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public void Create_StreamingWithoutStreamOptions_AppendsIncludeUsage()
    {
        var result = Create("""{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}],"user":"u1"}""");

        Assert.Equal(
            """{"model":"gpt-4o-2024-08-06","stream":true,"messages":[{"role":"user","content":"hi"}],"user":"u1","stream_options":{"include_usage":true}}""",
            result);
    }

    [Theory]
    [InlineData("""{"include_usage":false}""", """{"include_usage":true}""")]
    [InlineData("""{"include_usage":true}""", """{"include_usage":true}""")]
    [InlineData("""{"include_obfuscation":false}""", """{"include_obfuscation":false,"include_usage":true}""")]
    [InlineData("""{ "include_obfuscation":false , "include_usage": false, "x":1 }""", """{ "include_obfuscation":false , "include_usage": true, "x":1 }""")]
    [InlineData("{}", """{"include_usage":true}""")]
    [InlineData("{ }", """{ "include_usage":true}""")]
    [InlineData("null", """{"include_usage":true}""")]
    public void Create_StreamingWithStreamOptions_MergesIncludeUsageKeepingOtherFields(string clientOptions, string upstreamOptions)
    {
        var result = Create($$"""{"model":"m","stream":true,"stream_options":{{clientOptions}},"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(
            $$"""{"model":"gpt-4o-2024-08-06","stream":true,"stream_options":{{upstreamOptions}},"messages":[{"role":"user","content":"hi"}]}""",
            result);
    }

    [Fact]
    public void Create_NotStreaming_AddsNoStreamOptions()
    {
        var result = Create("""{"messages":[{"role":"user","content":"hi"}],"stream":false,"model":"m"}""");

        Assert.Equal("""{"messages":[{"role":"user","content":"hi"}],"stream":false,"model":"gpt-4o-2024-08-06"}""", result);
    }

    [Fact]
    public void Create_NestedModelAndStreamOptionsNames_AreNotTouched()
    {
        const string body = """{"model":"m","metadata":{"model":"keep","stream_options":"keep"},"messages":[{"role":"user","content":"model"}]}""";

        var result = Create(body);

        Assert.Equal(body.Replace("\"model\":\"m\"", "\"model\":\"gpt-4o-2024-08-06\"", StringComparison.Ordinal), result);
    }
}
