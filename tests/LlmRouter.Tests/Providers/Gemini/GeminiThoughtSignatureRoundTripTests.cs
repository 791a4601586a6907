using System.Text;
using System.Text.Json;
using LlmRouter.Providers.Gemini;
using static LlmRouter.Tests.Providers.Gemini.GeminiTestData;

namespace LlmRouter.Tests.Providers.Gemini;

public sealed class GeminiThoughtSignatureRoundTripTests
{
    private const string TurnOneResponse = """
        {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"f","args":{}},"thoughtSignature":"SIG1"}]},"finishReason":"STOP"}]}
        """;

    [Fact]
    public void CreateRequest_ReplayedGeminiCallAndForeignCall_CarryStoredAndDummySignatures()
    {
        var store = new ThoughtSignatureStore();
        using var turnOne = TranslateResponse(TurnOneResponse, store);
        var callX = turnOne.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0].GetProperty("id").GetString()!;

        using var upstream = TranslateRequest(TurnTwo(callX), store, Deployment(requiresThoughtSignatures: true));

        var contents = upstream.RootElement.GetProperty("contents");
        var calls = contents[1].GetProperty("parts").EnumerateArray().ToList();
        Assert.Equal("model", contents[1].GetProperty("role").GetString());
        Assert.Equal(["f", "g"], calls.Select(p => p.GetProperty("functionCall").GetProperty("name").GetString()));
        Assert.Equal("SIG1", calls[0].GetProperty("thoughtSignature").GetString());
        Assert.Equal("skip_thought_signature_validator", calls[1].GetProperty("thoughtSignature").GetString());
        var responses = contents[2].GetProperty("parts").EnumerateArray().Where(p => p.TryGetProperty("functionResponse", out _)).ToList();
        Assert.Equal(calls.Count, responses.Count);
    }

    [Fact]
    public void CreateRequest_SignatureCapturedFromStream_IsSentBack()
    {
        var store = new ThoughtSignatureStore();
        var stream = RunStream(Event(TurnOneResponse.Trim()), store: store);
        var callX = stream.Delta(1).GetProperty("tool_calls")[0].GetProperty("id").GetString()!;

        using var upstream = TranslateRequest(TurnTwo(callX), store, Deployment(requiresThoughtSignatures: true));

        var calls = upstream.RootElement.GetProperty("contents")[1].GetProperty("parts");
        Assert.Equal("SIG1", calls[0].GetProperty("thoughtSignature").GetString());
    }

    [Fact]
    public void CreateRequest_ModelWithoutSignatureRequirement_SendsStoredSignatureButNoDummy()
    {
        var store = new ThoughtSignatureStore();
        using var turnOne = TranslateResponse(TurnOneResponse, store);
        var callX = turnOne.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0].GetProperty("id").GetString()!;

        using var upstream = TranslateRequest(TurnTwo(callX), store, Deployment(requiresThoughtSignatures: false));

        var calls = upstream.RootElement.GetProperty("contents")[1].GetProperty("parts");
        Assert.Equal("SIG1", calls[0].GetProperty("thoughtSignature").GetString());
        Assert.False(calls[1].TryGetProperty("thoughtSignature", out _));
    }

    [Fact]
    public void CreateRequest_SeparateStores_DoNotShareSignatures()
    {
        var store = new ThoughtSignatureStore();
        using var turnOne = TranslateResponse(TurnOneResponse, store);
        var callX = turnOne.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0].GetProperty("id").GetString()!;

        using var upstream = TranslateRequest(TurnTwo(callX), new ThoughtSignatureStore(), Deployment(requiresThoughtSignatures: true));

        var calls = upstream.RootElement.GetProperty("contents")[1].GetProperty("parts");
        Assert.Equal("skip_thought_signature_validator", calls[0].GetProperty("thoughtSignature").GetString());
    }

    private static string TurnTwo(string callX)
    {
        var history = new
        {
            model = "gemini-3",
            messages = new object[]
            {
                new { role = "user", content = "do it" },
                new
                {
                    role = "assistant",
                    content = (string?)null,
                    tool_calls = new object[]
                    {
                        new { id = callX, type = "function", function = new { name = "f", arguments = "{}" } },
                        new { id = "call_Y", type = "function", function = new { name = "g", arguments = "{\"a\":1}" } },
                    },
                },
                new { role = "tool", tool_call_id = callX, content = "done" },
                new { role = "tool", tool_call_id = "call_Y", content = "{\"ok\":true}" },
            },
        };
        return Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(history));
    }
}
