using System.ClientModel;
using System.Text;
using LlmRouter.IntegrationTests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace LlmRouter.IntegrationTests.EndToEnd;

/// <summary>The official OpenAI .NET SDK as the client, the built-in simulated upstreams behind the gateway.</summary>
public sealed class OpenAISdkTests : IClassFixture<OpenAISdkTests.SimulatedGateway>
{
    private readonly SimulatedGateway _gateway;

    public OpenAISdkTests(SimulatedGateway gateway)
    {
        _gateway = gateway;
    }

    [Theory]
    [InlineData("gpt-4", "gpt-4o")]
    [InlineData("claude", "claude-sonnet-4-5")]
    [InlineData("gemini", "gemini-2.5-pro")]
    public async Task CompleteChat_EachProvider_AnswersThroughGateway(string model, string upstreamModel)
    {
        var client = _gateway.ChatClient(model);

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Say hello")]);

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Contains(model, completion.Content[0].Text, StringComparison.Ordinal);
        Assert.StartsWith(upstreamModel, completion.Model, StringComparison.Ordinal);
        Assert.True(completion.Usage.OutputTokenCount > 0);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
    }

    [Theory]
    [InlineData("gpt-4")]
    [InlineData("claude")]
    [InlineData("gemini")]
    [InlineData("round-robin")]
    public async Task CompleteChatStreaming_EachProvider_StreamsTextAndUsage(string model)
    {
        var client = _gateway.ChatClient(model);
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;

        // The SDK asks for the usage chunk (stream_options.include_usage) on every streamed request.
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Stream a short answer")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.False(string.IsNullOrWhiteSpace(text.ToString()));
        Assert.NotNull(usage);
        Assert.True(usage!.OutputTokenCount > 0);
    }

    public sealed class SimulatedGateway : IDisposable
    {
        private readonly GatewayApp _app;

        public SimulatedGateway()
        {
            var catalog = new TestCatalog()
                .Deployment("gpt-4", "OpenAI", "simulated", model: "gpt-4o")
                .Deployment("claude", "Anthropic", "simulated", model: "claude-sonnet-4-5")
                .Deployment("gemini", "Gemini", "simulated", model: "gemini-2.5-pro")
                .Route("round-robin", "RoundRobin", ["gpt-4", "claude", "gemini"]);
            _app = new GatewayApp(catalog);
            BaseAddress = _app.BaseAddress;
        }

        public Uri BaseAddress { get; }

        public ChatClient ChatClient(string model)
            => new(model, new ApiKeyCredential("client-key"), new OpenAIClientOptions { Endpoint = new Uri(BaseAddress, "v1") });

        public void Dispose() => _app.Dispose();
    }
}
