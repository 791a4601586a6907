using System.Text;
using LlmRouter.Providers;
using LlmRouter.Providers.OpenAI;
using static LlmRouter.Tests.Providers.OpenAI.OpenAITestData;

namespace LlmRouter.Tests.Providers.OpenAI;

public sealed class OpenAIResponseTests
{
    private const string Completion = """
        {
          "id": "chatcmpl-9xyz", "object": "chat.completion", "created": 1726012687,
          "model": "gpt-4o-2024-08-06", "system_fingerprint": "fp_abc", "service_tier": "default",
          "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": null, "refusal": null,
                        "tool_calls": [{"id": "call_1", "type": "function",
                                        "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\",\"finish_reason\":\"x\"}"}}]},
            "logprobs": null,
            "finish_reason": "tool_calls"
          }, {"index": 1, "message": {"role": "assistant", "content": "b"}, "finish_reason": "length"}],
          "usage": {
            "prompt_tokens": 120, "completion_tokens": 18, "total_tokens": 138,
            "prompt_tokens_details": {"cached_tokens": 64, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 5, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
          },
          "x_unknown": {"usage": {"prompt_tokens": 1}}
        }
        """;

    private static TranslatedResponse Translate(string body)
    {
        using var request = Parse("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""");
        return new OpenAIAdapter().TranslateResponse(Encoding.UTF8.GetBytes(body), request, Deployment());
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html>502 Bad Gateway</html>")]
    [InlineData("{\"id\":\"chatcmpl-1\",\"choices\":[")]
    [InlineData("[]")]
    [InlineData("{}")]
    public void TranslateResponse_NotAChatCompletion_ThrowsSoTheGatewayAnswers502AndRetries(string body)
        => Assert.ThrowsAny<System.Text.Json.JsonException>(() => Translate(body));

    [Fact]
    public void TranslateResponse_FullCompletion_PassesBodyThroughAndExtractsAccounting()
    {
        var response = Translate(Completion);

        Assert.Equal(Completion, Encoding.UTF8.GetString(response.Body.Span));
        Assert.Equal(new TokenUsage(120, 18, 138, 64, 5), response.Usage);
        Assert.Equal("gpt-4o-2024-08-06", response.ResponseModel);
        Assert.Equal("tool_calls", response.FinishReason);
    }

    [Fact]
    public void TranslateResponse_NoUsage_ReportsNullUsage()
    {
        var response = Translate("""{"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":null}""");

        Assert.Null(response.Usage);
        Assert.Equal("stop", response.FinishReason);
    }

    [Fact]
    public void TranslateResponse_UsageWithoutTotalOrDetails_SumsAndDefaultsToZero()
    {
        var response = Translate("""{"usage":{"prompt_tokens":7,"completion_tokens":null,"extra":[1]},"choices":[]}""");

        Assert.Equal(new TokenUsage(7, 0, 7), response.Usage);
        Assert.Null(response.FinishReason);
    }

    [Fact]
    public void TranslateResponse_TruncatedJson_Throws()
        => Assert.ThrowsAny<System.Text.Json.JsonException>(() => Translate("""{"model":"m","usage":{"prompt_tokens":"""));
}
