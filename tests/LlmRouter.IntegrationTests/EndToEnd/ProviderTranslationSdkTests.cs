using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using LlmRouter.IntegrationTests.Infrastructure;
using OpenAI;
using OpenAI.Chat;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace LlmRouter.IntegrationTests.EndToEnd;

/// <summary>
/// The official OpenAI .NET SDK → gateway → WireMock upstreams that speak Anthropic and Gemini: an OpenAI client
/// must not be able to tell it is talking to Claude or Gemini.
/// </summary>
public sealed class ProviderTranslationSdkTests : IDisposable
{
    private const string GeminiModel = "gemini-2.5-flash";

    private static readonly ChatTool WeatherTool = ChatTool.CreateFunctionTool(
        "get_weather", "Current weather for a city",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

    private readonly WireMockServer _anthropic = Upstreams.Start();
    private readonly WireMockServer _gemini = Upstreams.Start();
    private readonly GatewayApp _gateway;

    public ProviderTranslationSdkTests()
    {
        var catalog = new TestCatalog()
            .Deployment("claude", "Anthropic", _anthropic.Url!, model: "claude-sonnet-4-5", apiKeyVariable: "TEST_ANTHROPIC_KEY")
            .Deployment("gemini", "Gemini", _gemini.Url!, model: GeminiModel, apiKeyVariable: "TEST_GEMINI_KEY");
        _gateway = new GatewayApp(catalog, new Dictionary<string, string?>
        {
            ["TEST_ANTHROPIC_KEY"] = "anthropic-secret",
            ["TEST_GEMINI_KEY"] = "gemini-secret",
        });
    }

    [Fact]
    public async Task Anthropic_PlainChat_LooksLikeOpenAI()
    {
        ProviderFakes.StubAnthropic(_anthropic, ProviderFakes.AnthropicText);

        ChatCompletion completion = await Client("claude").CompleteChatAsync([new SystemChatMessage("Be brief"), new UserChatMessage("Hi")]);

        Assert.Equal("Bonjour from Claude", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(35, completion.Usage.InputTokenCount);
        Assert.Equal(4, completion.Usage.OutputTokenCount);
        Assert.Equal(10, completion.Usage.InputTokenDetails.CachedTokenCount);

        var sent = Assert.Single(_anthropic.LogEntries).RequestMessage;
        Assert.Equal("anthropic-secret", sent.Headers!["x-api-key"].Single());
        Assert.Equal("2023-06-01", sent.Headers["anthropic-version"].Single());
        using var body = JsonDocument.Parse(sent.Body!);
        Assert.Equal("Be brief", body.RootElement.GetProperty("system")[0].GetProperty("text").GetString());
        Assert.True(body.RootElement.GetProperty("max_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Gemini_PlainChat_LooksLikeOpenAI()
    {
        ProviderFakes.StubGemini(_gemini, GeminiModel, ProviderFakes.GeminiText);

        ChatCompletion completion = await Client("gemini").CompleteChatAsync([new UserChatMessage("Hi")]);

        Assert.Equal("Hola from Gemini", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(24, completion.Usage.TotalTokenCount);
        Assert.Equal("gemini-secret", Assert.Single(_gemini.LogEntries).RequestMessage.Headers!["x-goog-api-key"].Single());
    }

    [Theory]
    [InlineData("claude")]
    [InlineData("gemini")]
    public async Task StreamedChat_ArrivesAsOpenAIChunks(string model)
    {
        ProviderFakes.StubAnthropic(_anthropic, ProviderFakes.AnthropicTextStream("Bon", "jour"), stream: true);
        ProviderFakes.StubGemini(_gemini, GeminiModel, ProviderFakes.GeminiTextStream, stream: true);

        var (text, finish, usage, _) = await StreamAsync(Client(model), [new UserChatMessage("Hi")]);

        Assert.Equal(model == "claude" ? "Bonjour" : "Hola café 😀", text);
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.True(usage!.TotalTokenCount > 0);
    }

    [Theory]
    [InlineData("claude")]
    [InlineData("gemini")]
    public async Task ToolCallRoundTrip_NonStreaming(string model)
    {
        StubToolThenText();
        var client = Client(model);
        var options = new ChatCompletionOptions { Tools = { WeatherTool } };
        List<ChatMessage> history = [new UserChatMessage("Weather in Paris?")];

        ChatCompletion first = await client.CompleteChatAsync(history, options);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.False(string.IsNullOrEmpty(call.Id));
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString());

        history.Add(new AssistantChatMessage(first));
        history.Add(new ToolChatMessage(call.Id, "18C and sunny"));
        ChatCompletion second = await client.CompleteChatAsync(history, options);

        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
        AssertToolResultSent(model, call.Id);
    }

    [Theory]
    [InlineData("claude")]
    [InlineData("gemini")]
    public async Task ToolCallRoundTrip_Streaming(string model)
    {
        ProviderFakes.StubAnthropic(_anthropic, ProviderFakes.AnthropicToolStream, stream: true);
        ProviderFakes.StubGemini(_gemini, GeminiModel, ProviderFakes.GeminiToolStream, stream: true);
        var client = Client(model);
        var options = new ChatCompletionOptions { Tools = { WeatherTool } };

        var (_, finish, _, calls) = await StreamAsync(client, [new UserChatMessage("Weather in Paris?")], options);

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        var call = Assert.Single(calls);
        Assert.Equal("get_weather", call.Name);
        Assert.False(string.IsNullOrEmpty(call.Id));
        Assert.Equal("Paris", JsonDocument.Parse(call.Arguments.ToString()).RootElement.GetProperty("city").GetString());
    }

    [Fact]
    public async Task Anthropic_RateLimited_SdkSeesRateLimitWithRetryAfter()
    {
        ProviderFakes.StubAnthropic(_anthropic, ProviderFakes.AnthropicRateLimited, status: 429, headers: ("retry-after", "12"));

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Client("claude").CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(429, ex.Status);
        var raw = ex.GetRawResponse()!;
        Assert.True(raw.Headers.TryGetValue("retry-after", out var retryAfter));
        Assert.Equal("12", retryAfter);
        using var body = JsonDocument.Parse(raw.Content.ToString());
        Assert.Equal("rate_limit_exceeded", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Gemini_RateLimited_RetryInfoBecomesRetryAfter()
    {
        ProviderFakes.StubGemini(_gemini, GeminiModel, ProviderFakes.GeminiRateLimited, status: 429);

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Client("gemini").CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(429, ex.Status);
        Assert.True(ex.GetRawResponse()!.Headers.TryGetValue("retry-after", out var retryAfter));
        Assert.Equal("33", retryAfter);
    }

    [Theory]
    [InlineData("claude")]
    [InlineData("gemini")]
    public async Task MidStreamUpstreamFailure_SdkRaisesInsteadOfTruncatedSuccess(string model)
    {
        ProviderFakes.StubAnthropic(_anthropic, ProviderFakes.AnthropicMidStreamError, stream: true);
        ProviderFakes.StubGemini(_gemini, GeminiModel, ProviderFakes.GeminiTruncatedStream, stream: true);
        var text = new StringBuilder();

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var update in Client(model).CompleteChatStreamingAsync([new UserChatMessage("Hi")]))
            {
                foreach (var part in update.ContentUpdate)
                {
                    text.Append(part.Text);
                }
            }
        });

        Assert.StartsWith("Partial", text.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _gateway.Dispose();
        _anthropic.Dispose();
        _gemini.Dispose();
    }

    private ChatClient Client(string model)
        => new(model, new ApiKeyCredential("client-key"), new OpenAIClientOptions
        {
            Endpoint = new Uri(_gateway.BaseAddress, "v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });

    private void StubToolThenText()
    {
        _anthropic.Given(Request.Create().WithPath("/v1/messages").UsingPost().WithBody((string? body) => body is not null && body.Contains("tool_result", StringComparison.Ordinal)))
            .AtPriority(1)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(ProviderFakes.AnthropicText));
        _anthropic.Given(Request.Create().WithPath("/v1/messages").UsingPost()).AtPriority(100)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(ProviderFakes.AnthropicToolUse));

        _gemini.Given(Request.Create().WithPath($"/v1beta/models/{GeminiModel}:generateContent").UsingPost().WithBody((string? body) => body is not null && body.Contains("functionResponse", StringComparison.Ordinal)))
            .AtPriority(1)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(ProviderFakes.GeminiText));
        _gemini.Given(Request.Create().WithPath($"/v1beta/models/{GeminiModel}:generateContent").UsingPost()).AtPriority(100)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(ProviderFakes.GeminiToolCall));
    }

    private void AssertToolResultSent(string model, string callId)
    {
        var server = model == "claude" ? _anthropic : _gemini;
        using var body = JsonDocument.Parse(server.LogEntries[^1].RequestMessage.Body!);
        if (model == "claude")
        {
            var messages = body.RootElement.GetProperty("messages");
            var assistant = messages[1].GetProperty("content").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "tool_use");
            Assert.Equal(callId, assistant.GetProperty("id").GetString());
            var result = messages[2].GetProperty("content")[0];
            Assert.Equal("tool_result", result.GetProperty("type").GetString());
            Assert.Equal(callId, result.GetProperty("tool_use_id").GetString());
        }
        else
        {
            var contents = body.RootElement.GetProperty("contents");
            Assert.Equal("get_weather", contents[1].GetProperty("parts")[0].GetProperty("functionCall").GetProperty("name").GetString());
            var response = contents[2].GetProperty("parts")[0].GetProperty("functionResponse");
            Assert.Equal("get_weather", response.GetProperty("name").GetString());
            Assert.Equal("user", contents[2].GetProperty("role").GetString());
        }
    }

    private static async Task<(string Text, ChatFinishReason? Finish, ChatTokenUsage? Usage, List<(string Id, string Name, StringBuilder Arguments)> Calls)> StreamAsync(
        ChatClient client, List<ChatMessage> messages, ChatCompletionOptions? options = null)
    {
        options ??= new ChatCompletionOptions();
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        var calls = new SortedDictionary<int, (string Id, string Name, StringBuilder Arguments)>();
        await foreach (var update in client.CompleteChatStreamingAsync(messages, options))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            foreach (var toolUpdate in update.ToolCallUpdates)
            {
                if (!calls.TryGetValue(toolUpdate.Index, out var call))
                {
                    call = (toolUpdate.ToolCallId, toolUpdate.FunctionName, new StringBuilder());
                    calls[toolUpdate.Index] = call;
                }

                if (toolUpdate.FunctionArgumentsUpdate is { } args && !args.ToMemory().IsEmpty)
                {
                    call.Arguments.Append(args.ToString());
                }
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        return (text.ToString(), finish, usage, calls.Values.ToList());
    }
}
