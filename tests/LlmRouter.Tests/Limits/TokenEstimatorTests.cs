using System.Text;
using LlmRouter.Chat;
using LlmRouter.Limits;
using LlmRouter.Protocols.OpenAI;
using Microsoft.ML.Tokenizers;

namespace LlmRouter.Tests.Limits;

public sealed class TokenEstimatorTests
{
    private readonly TokenEstimator _estimator = new();

    [Fact]
    public void CountPrompt_CountsMessageTextWithTheO200kTokenizerPlusFraming()
    {
        const string Text = "The quick brown fox jumps over the lazy dog. Tokenizers split text into pieces.";
        using var request = Parse($$"""{"model":"gpt-4o","messages":[{"role":"user","content":"{{Text}}"}]}""");
        var tokenizer = TiktokenTokenizer.CreateForEncoding("o200k_base");

        var expected = tokenizer.CountTokens(Text) + tokenizer.CountTokens("user") + 4 + 3;

        Assert.Equal(expected, _estimator.CountPrompt(request));
    }

    [Fact]
    public void CountPrompt_ContentParts_CountTextAndAFlatAmountPerImage()
    {
        using var text = Parse("""{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hello there"}]}]}""");
        using var image = Parse("""{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hello there"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}]}]}""");

        Assert.Equal(_estimator.CountPrompt(text) + 85, _estimator.CountPrompt(image));
    }

    [Fact]
    public void CountPrompt_Gpt4Turbo_UsesCl100k()
    {
        const string Text = "naïve café résumé — ünïcödé";
        using var request = Parse($$"""{"model":"gpt-4-turbo","messages":[{"role":"user","content":"{{Text}}"}]}""");
        var cl100k = TiktokenTokenizer.CreateForEncoding("cl100k_base");

        Assert.Equal(cl100k.CountTokens(Text) + cl100k.CountTokens("user") + 7, _estimator.CountPrompt(request));
    }

    private static ChatRequest Parse(string json) => ChatRequestParser.Parse(Encoding.UTF8.GetBytes(json));
}
