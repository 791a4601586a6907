using System.Text;
using Anthropic;
using Anthropic.Models.Messages;
using LlmRouter.IntegrationTests.Infrastructure;

namespace LlmRouter.IntegrationTests.EndToEnd;

/// <summary>
/// The official Anthropic .NET SDK with its base URL set to the gateway (what <c>ANTHROPIC_BASE_URL</c> does), the
/// built-in simulated upstreams behind it: every shipped provider answers Anthropic clients, streaming included.
/// </summary>
public sealed class AnthropicSdkSimulatedTests : IClassFixture<AnthropicSdkSimulatedTests.SimulatedGateway>
{
    private readonly SimulatedGateway _gateway;

    public AnthropicSdkSimulatedTests(SimulatedGateway gateway)
    {
        _gateway = gateway;
    }

    [Theory]
    [InlineData("gpt-4")]
    [InlineData("claude")]
    [InlineData("gemini")]
    [InlineData("round-robin")]
    public async Task Create_EachProvider_AnswersWithAnAnthropicMessage(string model)
    {
        var message = await _gateway.Client.Messages.Create(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 256,
            Messages = [new UserMessageParam("Say hello")],
        });

        var text = Assert.Single(message.Content).Value as TextBlock;
        Assert.NotNull(text);
        Assert.False(string.IsNullOrEmpty(text.Text));
        Assert.Equal(StopReason.EndTurn, message.StopReason!.Value());
        Assert.True(message.Usage.InputTokens > 0);
        Assert.True(message.Usage.OutputTokens > 0);
    }

    [Theory]
    [InlineData("gpt-4")]
    [InlineData("claude")]
    [InlineData("gemini")]
    public async Task CreateStreaming_EachProvider_StreamsTextWithUsageAtStartAndEnd(string model)
    {
        var text = new StringBuilder();
        long? startInput = null;
        long? finalOutput = null;
        StopReason? stop = null;
        await foreach (var streamEvent in _gateway.Client.Messages.CreateStreaming(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 256,
            Messages = [new UserMessageParam("Stream a short answer")],
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
                finalOutput = messageDelta.Usage.OutputTokens;
                stop = messageDelta.Delta.StopReason?.Value();
            }
        }

        Assert.NotEqual(0, text.Length);
        Assert.NotNull(startInput);
        Assert.True(finalOutput > 0);
        Assert.Equal(StopReason.EndTurn, stop);
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
            Client = new AnthropicClient { BaseUrl = _app.BaseAddress.ToString().TrimEnd('/'), ApiKey = "client-key", MaxRetries = 0 };
        }

        public AnthropicClient Client { get; }

        public void Dispose() => _app.Dispose();
    }
}
