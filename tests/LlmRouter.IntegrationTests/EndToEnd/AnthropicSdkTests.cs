using System.Text;
using System.Text.Json;
using Anthropic;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using LlmRouter.IntegrationTests.Infrastructure;
using WireMock.Server;

namespace LlmRouter.IntegrationTests.EndToEnd;

/// <summary>
/// The official Anthropic .NET SDK → gateway → WireMock upstreams speaking Anthropic (native pass-through), OpenAI
/// and Gemini (translated): an Anthropic client must not be able to tell which provider answered.
/// </summary>
public sealed class AnthropicSdkTests : IDisposable
{
    private const string GeminiModel = "gemini-2.5-flash";

    private const string OpenAIText = """
        {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from GPT"},"logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":21,"completion_tokens":4,"total_tokens":25}}
        """;

    private const string OpenAILength = """
        {"id":"chatcmpl-2","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hello fr"},"logprobs":null,"finish_reason":"length"}],
         "usage":{"prompt_tokens":21,"completion_tokens":3,"total_tokens":24}}
        """;

    private const string OpenAIToolCall = """
        {"id":"chatcmpl-3","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":null,
          "tool_calls":[{"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],
         "usage":{"prompt_tokens":30,"completion_tokens":8,"total_tokens":38}}
        """;

    private const string GeminiLength = """
        {"candidates":[{"content":{"role":"model","parts":[{"text":"Hola fr"}]},"finishReason":"MAX_TOKENS","index":0}],
         "usageMetadata":{"promptTokenCount":20,"candidatesTokenCount":3,"totalTokenCount":23},"modelVersion":"gemini-2.5-flash"}
        """;

    private const string AnthropicLength = """
        {"id":"msg_len","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Bonjour fr"}],
         "stop_reason":"max_tokens","stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":3}}
        """;

    private static readonly string OpenAITextStream = string.Concat(
        Chunk("""{"role":"assistant","content":""}""", null),
        Chunk("""{"content":"Hello "}""", null),
        Chunk("""{"content":"from GPT"}""", null),
        Chunk("{}", "\"stop\""),
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":5,\"total_tokens\":26}}\n\n",
        "data: [DONE]\n\n");

    private static readonly string OpenAIToolStream = string.Concat(
        Chunk("""{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":""}}]}""", null),
        Chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": \"Par"}}]}""", null),
        Chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"is\"}"}}]}""", null),
        Chunk("{}", "\"tool_calls\""),
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":9,\"total_tokens\":39}}\n\n",
        "data: [DONE]\n\n");

    private readonly WireMockServer _anthropic = Upstreams.Start();
    private readonly WireMockServer _openAI = Upstreams.Start();
    private readonly WireMockServer _gemini = Upstreams.Start();
    private readonly GatewayApp _gateway;
    private readonly AnthropicClient _client;

    public AnthropicSdkTests()
    {
        var catalog = new TestCatalog()
            .Deployment("claude", "Anthropic", _anthropic.Url!, model: "claude-sonnet-4-5", apiKeyVariable: "TEST_ANTHROPIC_KEY")
            .Deployment("gpt", "OpenAI", _openAI.Url!, model: "gpt-4o", apiKeyVariable: "TEST_OPENAI_KEY")
            .Deployment("gemini", "Gemini", _gemini.Url!, model: GeminiModel, apiKeyVariable: "TEST_GEMINI_KEY")
            .Route("everyone", "RoundRobin", ["gpt", "gemini", "claude"], route => route["Resilience"] = new System.Text.Json.Nodes.JsonObject { ["MaxAttempts"] = 3 });
        _gateway = new GatewayApp(catalog, new Dictionary<string, string?>
        {
            ["TEST_ANTHROPIC_KEY"] = "anthropic-secret",
            ["TEST_OPENAI_KEY"] = "openai-secret",
            ["TEST_GEMINI_KEY"] = "gemini-secret",
        });
        _client = new AnthropicClient { BaseUrl = _gateway.BaseAddress.ToString().TrimEnd('/'), ApiKey = "client-key", MaxRetries = 0 };
    }

    [Fact]
    public async Task Create_OpenAIDeployment_SendsSystemAndStopSequencesAndAnswersAsMessage()
    {
        ProviderFakes.StubOpenAI(_openAI, OpenAIText);

        var message = await _client.Messages.Create(new MessageCreateParams
        {
            Model = "gpt",
            MaxTokens = 100,
            System = "Be brief",
            StopSequences = ["END"],
            Messages = [new UserMessageParam("Hi")],
        });

        Assert.StartsWith("msg_", message.ID, StringComparison.Ordinal);
        Assert.Equal("Hello from GPT", Assert.IsType<TextBlock>(Assert.Single(message.Content).Value).Text);
        Assert.Equal(StopReason.EndTurn, message.StopReason!.Value());
        Assert.Equal(21, message.Usage.InputTokens);
        Assert.Equal(4, message.Usage.OutputTokens);

        var sent = Assert.Single(_openAI.LogEntries).RequestMessage;
        Assert.Equal("Bearer openai-secret", sent.Headers!["Authorization"].Single());
        Assert.False(sent.Headers.ContainsKey("anthropic-version"));
        using var body = JsonDocument.Parse(sent.Body!);
        var root = body.RootElement;
        Assert.Equal("gpt-4o", root.GetProperty("model").GetString());
        Assert.Equal(100, root.GetProperty("max_completion_tokens").GetInt32());
        Assert.Equal("END", root.GetProperty("stop")[0].GetString());
        Assert.Equal("system", root.GetProperty("messages")[0].GetProperty("role").GetString());
        Assert.Equal("Hi", root.GetProperty("messages")[1].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Create_GeminiDeployment_SendsSystemInstructionAndStopSequences()
    {
        ProviderFakes.StubGemini(_gemini, GeminiModel, ProviderFakes.GeminiText);

        var message = await _client.Messages.Create(new MessageCreateParams
        {
            Model = "gemini",
            MaxTokens = 100,
            System = "Be brief",
            StopSequences = ["END"],
            Messages = [new UserMessageParam("Hi")],
        });

        Assert.Equal("Hola from Gemini", Assert.IsType<TextBlock>(Assert.Single(message.Content).Value).Text);
        Assert.Equal(StopReason.EndTurn, message.StopReason!.Value());
        Assert.Equal(20, message.Usage.InputTokens);
        Assert.Equal(4, message.Usage.OutputTokens);

        using var body = JsonDocument.Parse(Assert.Single(_gemini.LogEntries).RequestMessage.Body!);
        var root = body.RootElement;
        Assert.Equal("Be brief", root.GetProperty("systemInstruction").GetProperty("parts")[0].GetProperty("text").GetString());
        Assert.Equal("END", root.GetProperty("generationConfig").GetProperty("stopSequences")[0].GetString());
        Assert.Equal(100, root.GetProperty("generationConfig").GetProperty("maxOutputTokens").GetInt32());
    }

    [Theory]
    [InlineData("gpt")]
    [InlineData("gemini")]
    [InlineData("claude")]
    public async Task Create_UpstreamStoppedAtTheLimit_ReportsMaxTokens(string model)
    {
        ProviderFakes.StubOpenAI(_openAI, OpenAILength);
        ProviderFakes.StubGemini(_gemini, GeminiModel, GeminiLength);
        ProviderFakes.StubAnthropic(_anthropic, AnthropicLength);

        var message = await _client.Messages.Create(new MessageCreateParams { Model = model, MaxTokens = 3, Messages = [new UserMessageParam("Hi")] });

        Assert.Equal(StopReason.MaxTokens, message.StopReason!.Value());
        Assert.Equal(3, message.Usage.OutputTokens);
    }

    [Theory]
    [InlineData("gpt")]
    [InlineData("gemini")]
    [InlineData("claude")]
    public async Task Create_ToolUseRoundTrip_CallsToolThenSendsTheResultBack(string model)
    {
        ProviderFakes.StubOpenAI(_openAI, OpenAIToolCall);
        ProviderFakes.StubGemini(_gemini, GeminiModel, ProviderFakes.GeminiToolCall);
        ProviderFakes.StubAnthropic(_anthropic, ProviderFakes.AnthropicToolUse);
        var ask = new UserMessageParam("Weather in Paris?");

        var first = await _client.Messages.Create(new MessageCreateParams { Model = model, MaxTokens = 100, Messages = [ask], Tools = [WeatherTool()] });

        Assert.Equal(StopReason.ToolUse, first.StopReason!.Value());
        var toolUse = first.Content.Select(c => c.Value).OfType<ToolUseBlock>().Single();
        Assert.Equal("get_weather", toolUse.Name);
        Assert.Equal("Paris", toolUse.Input["city"].GetString());

        await _client.Messages.Create(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 100,
            Tools = [WeatherTool()],
            Messages =
            [
                ask,
                new AssistantMessageParam(new List<ContentBlockParam>
                {
                    new ToolUseBlockParam { ID = toolUse.ID, Name = toolUse.Name, Input = toolUse.Input },
                }),
                new UserMessageParam(new List<ContentBlockParam> { new ToolResultBlockParam(toolUse.ID) { Content = "18°C and sunny" } }),
            ],
        });

        var upstream = model switch { "gpt" => _openAI, "gemini" => _gemini, _ => _anthropic };
        var second = upstream.LogEntries[^1].RequestMessage.Body!;
        Assert.Contains("18°C and sunny", second, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(second);
        if (model == "gpt")
        {
            var tool = body.RootElement.GetProperty("messages")[2];
            Assert.Equal("tool", tool.GetProperty("role").GetString());
            Assert.Equal(toolUse.ID, tool.GetProperty("tool_call_id").GetString());
        }
    }

    [Theory]
    [InlineData("gpt")]
    [InlineData("gemini")]
    [InlineData("claude")]
    public async Task CreateStreaming_ToolUse_StreamsAToolUseBlockWithInputJsonDeltas(string model)
    {
        ProviderFakes.StubOpenAI(_openAI, OpenAIToolStream, stream: true);
        ProviderFakes.StubGemini(_gemini, GeminiModel, ProviderFakes.GeminiToolStream, stream: true);
        ProviderFakes.StubAnthropic(_anthropic, ProviderFakes.AnthropicToolStream, stream: true);

        string? name = null;
        long? toolIndex = null;
        var input = new StringBuilder();
        StopReason? stop = null;
        await foreach (var streamEvent in _client.Messages.CreateStreaming(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 100,
            Messages = [new UserMessageParam("Weather in Paris?")],
            Tools = [WeatherTool()],
        }))
        {
            if (streamEvent.TryPickContentBlockStart(out var start) && start.ContentBlock.TryPickToolUse(out var toolUse))
            {
                name = toolUse.Name;
                toolIndex = start.Index;
            }
            else if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var json))
            {
                Assert.Equal(toolIndex, delta.Index);
                input.Append(json.PartialJson);
            }
            else if (streamEvent.TryPickDelta(out var messageDelta))
            {
                stop = messageDelta.Delta.StopReason?.Value();
            }
        }

        Assert.Equal("get_weather", name);
        using var arguments = JsonDocument.Parse(input.ToString());
        Assert.Equal("Paris", arguments.RootElement.GetProperty("city").GetString());
        Assert.Equal(StopReason.ToolUse, stop);
    }

    [Theory]
    [InlineData("gpt", 21, 5)]
    [InlineData("gemini", 20, 3)]
    [InlineData("claude", 25, 7)]
    public async Task CreateStreaming_Text_ReportsUsageInMessageStartAndFinalMessageDelta(string model, int inputTokens, int outputTokens)
    {
        ProviderFakes.StubOpenAI(_openAI, OpenAITextStream, stream: true);
        ProviderFakes.StubGemini(_gemini, GeminiModel, ProviderFakes.GeminiTextStream, stream: true);
        ProviderFakes.StubAnthropic(_anthropic, ProviderFakes.AnthropicTextStream("Bonjour ", "from Claude"), stream: true);

        var text = new StringBuilder();
        long? startInput = null;
        MessageDeltaUsage? finalUsage = null;
        var stops = 0;
        await foreach (var streamEvent in _client.Messages.CreateStreaming(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 100,
            Messages = [new UserMessageParam("Hi")],
        }))
        {
            if (streamEvent.TryPickStart(out var start))
            {
                startInput = start.Message.Usage.InputTokens;
            }
            else if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
            {
                text.Append(textDelta.Text);
            }
            else if (streamEvent.TryPickDelta(out var messageDelta))
            {
                finalUsage = messageDelta.Usage;
            }
            else if (streamEvent.TryPickStop(out _))
            {
                stops++;
            }
        }

        Assert.NotEqual(0, text.Length);
        Assert.True(startInput > 0, "message_start carries input tokens (the upstream's or the gateway's estimate)");
        if (model != "gpt")
        {
            // Gemini and Anthropic report prompt tokens with their first event; OpenAI only at the end.
            Assert.Equal(inputTokens, startInput);
        }

        Assert.NotNull(finalUsage);
        Assert.Equal(outputTokens, finalUsage.OutputTokens);
        Assert.Equal(1, stops);
    }

    [Fact]
    public async Task CountTokens_AnthropicDeployment_ForwardsToTheUpstream()
    {
        _anthropic.Given(WireMock.RequestBuilders.Request.Create().WithPath("/v1/messages/count_tokens").UsingPost())
            .RespondWith(ProviderFakes.Answer("""{"input_tokens":42}"""));

        var count = await _client.Messages.CountTokens(new MessageCountTokensParams { Model = "claude", Messages = [new UserMessageParam("Hi")] });

        Assert.Equal(42, count.InputTokens);
        var sent = Assert.Single(_anthropic.LogEntries).RequestMessage;
        Assert.Equal("anthropic-secret", sent.Headers!["x-api-key"].Single());
        Assert.Contains("\"claude-sonnet-4-5\"", sent.Body!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gpt")]
    [InlineData("gemini")]
    public async Task CountTokens_OtherDeployments_CountsWithTheTokenizer(string model)
    {
        var small = await _client.Messages.CountTokens(new MessageCountTokensParams { Model = model, Messages = [new UserMessageParam("Hi")] });
        var large = await _client.Messages.CountTokens(new MessageCountTokensParams
        {
            Model = model,
            System = "You are a helpful assistant who answers in full sentences.",
            Messages = [new UserMessageParam("Tell me about the weather in Paris in the spring, please.")],
        });

        Assert.True(small.InputTokens > 0);
        Assert.True(large.InputTokens > small.InputTokens + 10);
        Assert.Empty(_openAI.LogEntries);
        Assert.Empty(_gemini.LogEntries);
    }

    [Fact]
    public async Task Create_EveryDeploymentRateLimited_SurfacesTheSdkRateLimitException()
    {
        ProviderFakes.StubOpenAI(_openAI, """{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}""", status: 429);
        ProviderFakes.StubGemini(_gemini, GeminiModel, ProviderFakes.GeminiRateLimited, status: 429);
        ProviderFakes.StubAnthropic(_anthropic, ProviderFakes.AnthropicRateLimited, status: 429);

        await Assert.ThrowsAsync<AnthropicRateLimitException>(() => _client.Messages.Create(new MessageCreateParams
        {
            Model = "everyone",
            MaxTokens = 100,
            Messages = [new UserMessageParam("Hi")],
        }));

        Assert.NotEmpty(_openAI.LogEntries);
        Assert.NotEmpty(_gemini.LogEntries);
        Assert.NotEmpty(_anthropic.LogEntries);
    }

    public void Dispose()
    {
        _gateway.Dispose();
        _anthropic.Stop();
        _openAI.Stop();
        _gemini.Stop();
    }

    private static Tool WeatherTool() => new()
    {
        Name = "get_weather",
        Description = "Current weather for a city",
        InputSchema = new InputSchema
        {
            Properties = new Dictionary<string, JsonElement> { ["city"] = JsonDocument.Parse("""{"type":"string"}""").RootElement },
            Required = ["city"],
        },
    };

    private static string Chunk(string delta, string? finish)
        => $$"""data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{{delta}},"logprobs":null,"finish_reason":{{finish ?? "null"}}}]}""" + "\n\n";
}
