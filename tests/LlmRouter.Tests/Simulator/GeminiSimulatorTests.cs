using System.Text.Json;
using static LlmRouter.Tests.Simulator.SimulatorHttp;

namespace LlmRouter.Tests.Simulator;

public sealed class GeminiSimulatorTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private const string Generate = "/sim/gem/v1beta/models/gemini-2.5-flash:generateContent";
    private const string StreamSse = "/sim/gem/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";

    private const string WeatherTool = """
        [{"functionDeclarations":[{"name":"get_weather","description":"Weather","parameters":{"type":"OBJECT","properties":{"city":{"type":"STRING"}},"required":["city"]}}]}]
        """;

    private const string SimpleBody = """
        {"systemInstruction":{"parts":[{"text":"Be brief."}]},"contents":[{"role":"user","parts":[{"text":"Summarise the news"}]}]}
        """;

    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task NonStreaming_Gemini_ReturnsGenerateContentResponseShape()
    {
        using var response = await PostAsync(_client, Generate, SimpleBody, GeminiHeaders);

        Assert.Equal(200, (int)response.StatusCode);
        using var json = await ReadJsonAsync(response);
        var root = json.RootElement;
        var candidate = Assert.Single(root.GetProperty("candidates").EnumerateArray());
        Assert.Equal("STOP", String(candidate, "finishReason"));
        Assert.Equal(0, Int(candidate, "index"));
        Assert.Equal("model", String(candidate.GetProperty("content"), "role"));
        var part = Assert.Single(candidate.GetProperty("content").GetProperty("parts").EnumerateArray());
        var text = String(part, "text");
        Assert.StartsWith("[sim gem · gemini-2.5-flash] ", text, StringComparison.Ordinal);
        Assert.Contains("Summarise the news", text, StringComparison.Ordinal);

        var usage = root.GetProperty("usageMetadata");
        Assert.True(Int(usage, "promptTokenCount") > 0);
        Assert.Equal(Words(text), Int(usage, "candidatesTokenCount"));
        Assert.Equal(Int(usage, "promptTokenCount") + Int(usage, "candidatesTokenCount"), Int(usage, "totalTokenCount"));
        Assert.Equal("gemini-2.5-flash", String(root, "modelVersion"));
        Assert.False(string.IsNullOrEmpty(String(root, "responseId")));
    }

    [Fact]
    public async Task Stream_Gemini_UsesCrlfFramingWithoutDoneAndCumulativeUsage()
    {
        using var response = await PostAsync(_client, StreamSse, SimpleBody, GeminiHeaders);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("[DONE]", body, StringComparison.Ordinal);
        Assert.DoesNotContain("event:", body, StringComparison.Ordinal);
        var chunks = SplitEvents(body, "\r\n\r\n").Select(e =>
        {
            Assert.DoesNotContain('\n', e);
            return Data(e);
        }).ToList();
        Assert.True(chunks.Count > 1);

        var responseId = String(chunks[0], "responseId");
        var previous = 0;
        var text = string.Empty;
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            Assert.Equal(responseId, String(chunk, "responseId"));
            Assert.Equal("gemini-2.5-flash", String(chunk, "modelVersion"));
            var candidate = Assert.Single(chunk.GetProperty("candidates").EnumerateArray());
            Assert.Equal(i == chunks.Count - 1, candidate.TryGetProperty("finishReason", out _));
            text += String(candidate.GetProperty("content").GetProperty("parts")[0], "text");

            var usage = chunk.GetProperty("usageMetadata");
            var candidates = Int(usage, "candidatesTokenCount");
            Assert.True(candidates > previous, "usage must be cumulative");
            Assert.Equal(Words(text), candidates);
            Assert.Equal(Int(usage, "promptTokenCount") + candidates, Int(usage, "totalTokenCount"));
            previous = candidates;
        }

        Assert.Equal("STOP", String(chunks[^1].GetProperty("candidates")[0], "finishReason"));
        Assert.StartsWith("[sim gem · gemini-2.5-flash] ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_Gemini_WithoutAltSse_WritesOneJsonArray()
    {
        using var response = await PostAsync(_client, "/sim/gem/v1beta/models/gemini-2.5-flash:streamGenerateContent", SimpleBody, GeminiHeaders);

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = await ReadJsonAsync(response);
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        Assert.True(json.RootElement.GetArrayLength() > 1);
        Assert.Equal("STOP", String(json.RootElement[json.RootElement.GetArrayLength() - 1].GetProperty("candidates")[0], "finishReason"));
    }

    [Fact]
    public async Task ToolCall_Gemini_AnswersWithWholeFunctionCallPartAndStop()
    {
        var body = $$$"""{"tools":{{{WeatherTool}}},"contents":[{"role":"user","parts":[{"text":"Weather in Paris?"}]}]}""";
        using var response = await PostAsync(_client, Generate, body, GeminiHeaders);

        using var json = await ReadJsonAsync(response);
        var candidate = json.RootElement.GetProperty("candidates")[0];
        Assert.Equal("STOP", String(candidate, "finishReason"));
        var call = Assert.Single(candidate.GetProperty("content").GetProperty("parts").EnumerateArray()).GetProperty("functionCall");
        Assert.Equal("get_weather", String(call, "name"));
        Assert.Equal("sim", String(call.GetProperty("args"), "city"));

        using var streamed = await PostAsync(_client, StreamSse, body, GeminiHeaders);
        var events = SplitEvents(await streamed.Content.ReadAsStringAsync(), "\r\n\r\n");
        var chunk = Data(Assert.Single(events));
        Assert.Equal("get_weather", String(chunk.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].GetProperty("functionCall"), "name"));
        Assert.Equal("STOP", String(chunk.GetProperty("candidates")[0], "finishReason"));
    }

    [Fact]
    public async Task ToolResult_Gemini_AnswersWithTextMentioningTheResult()
    {
        using var response = await PostAsync(_client, Generate, $$$"""
            {"tools":{{{WeatherTool}}},"contents":[
              {"role":"user","parts":[{"text":"Weather in Paris?"}]},
              {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}} }]},
              {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"output":"18C and sunny"}} }]}]}
            """, GeminiHeaders);

        using var json = await ReadJsonAsync(response);
        var part = json.RootElement.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0];
        Assert.Contains("18C and sunny", String(part, "text"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_Gemini_ErrorRateOneAnswersGoogleShapedErrorsWithRetryInfoAndNoRetryAfter()
    {
        using var rateLimited = await CollectErrorsUntilRateLimitedAsync(
            () => PostAsync(_client, "/sim/errors/v1beta/models/gemini-2.5-flash:generateContent", SimpleBody, GeminiHeaders),
            [429, 500, 503],
            (status, body) =>
            {
                var error = body.GetProperty("error");
                Assert.Equal(status, Int(error, "code"));
                var expected = status switch { 429 => "RESOURCE_EXHAUSTED", 503 => "UNAVAILABLE", _ => "INTERNAL" };
                Assert.Equal(expected, String(error, "status"));
                Assert.False(string.IsNullOrEmpty(String(error, "message")));
            });

        Assert.False(rateLimited.Headers.Contains("retry-after"));
        using var json = await ReadJsonAsync(rateLimited);
        var retryInfo = Assert.Single(
            json.RootElement.GetProperty("error").GetProperty("details").EnumerateArray(),
            d => String(d, "@type") == "type.googleapis.com/google.rpc.RetryInfo");
        Assert.Matches("^[0-9]+(\\.[0-9]+)?s$", String(retryInfo, "retryDelay"));
    }

    [Fact]
    public async Task MissingApiKey_Gemini_Returns403PermissionDenied()
    {
        using var response = await PostAsync(_client, Generate, SimpleBody);

        Assert.Equal(403, (int)response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Equal("PERMISSION_DENIED", String(json.RootElement.GetProperty("error"), "status"));
        Assert.Equal(403, Int(json.RootElement.GetProperty("error"), "code"));
    }

    [Fact]
    public async Task ApiKeyInQuery_Gemini_IsAccepted()
    {
        using var response = await PostAsync(_client, Generate + "?key=test-key", SimpleBody);

        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task UnknownMethod_Gemini_Returns404NotFound()
    {
        using var response = await PostAsync(_client, "/sim/gem/v1beta/models/gemini-2.5-flash:countTokens", SimpleBody, GeminiHeaders);

        Assert.Equal(404, (int)response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Equal("NOT_FOUND", String(json.RootElement.GetProperty("error"), "status"));
    }

    [Theory]
    [InlineData("""{"systemInstruction":{"parts":[{"text":"x"}]}}""")]
    [InlineData("""{"contents":[]}""")]
    [InlineData("not json")]
    public async Task BadRequest_Gemini_Returns400InvalidArgument(string body)
    {
        using var response = await PostAsync(_client, Generate, body, GeminiHeaders);

        Assert.Equal(400, (int)response.StatusCode);
        using var json = await ReadJsonAsync(response);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(400, Int(error, "code"));
        Assert.Equal("INVALID_ARGUMENT", String(error, "status"));
    }

    [Fact]
    public async Task MaxOutputTokens_Gemini_TruncatesWithFinishReasonMaxTokens()
    {
        using var response = await PostAsync(_client, Generate, """
            {"generationConfig":{"maxOutputTokens":4},"contents":[{"parts":[{"text":"Write an essay"}]}]}
            """, GeminiHeaders);

        using var json = await ReadJsonAsync(response);
        Assert.Equal("MAX_TOKENS", String(json.RootElement.GetProperty("candidates")[0], "finishReason"));
        Assert.Equal(4, Int(json.RootElement.GetProperty("usageMetadata"), "candidatesTokenCount"));
    }
}
