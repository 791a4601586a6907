using System.Buffers;
using System.Text;
using System.Text.Json;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Providers;
using LlmRouter.Providers.Anthropic;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Providers.Anthropic;

internal static class AnthropicTestData
{
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static Deployment Deployment(bool temperatureOrTopPOnly = true, int defaultMaxTokens = 4096)
        => new("claude", new DeploymentOptions
        {
            Provider = ProviderKind.Anthropic,
            Model = "claude-sonnet-4-5",
            TemperatureOrTopPOnly = temperatureOrTopPOnly,
            DefaultMaxTokens = defaultMaxTokens,
        }, new Uri("http://127.0.0.1:1"));

    public static AnthropicAdapter Adapter() => new(new FakeTimeProvider(Now));

    public static ChatRequest Request(string json) => ChatRequestParser.Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>Translates a client request and returns the upstream body as a parsed document.</summary>
    public static JsonElement Upstream(string json, Deployment? deployment = null)
    {
        using var request = Request(json);
        var upstream = Adapter().CreateRequest(request, deployment ?? Deployment());
        using var document = JsonDocument.Parse(upstream.Body);
        return document.RootElement.Clone();
    }

    /// <summary>One Anthropic SSE event (event line + data line) with <c>\n</c> framing.</summary>
    public static string Event(string name, string data) => $"event: {name}\ndata: {data}\n\n";

    /// <summary>Runs a stream through a fresh translator, feeding the given byte chunks, then completes it.</summary>
    public static (SseTestOutput Output, byte[] Raw, IStreamTranslator Translator) RunStream(string requestJson, IEnumerable<byte[]> reads)
    {
        using var request = Request(requestJson);
        var translator = Adapter().CreateStreamTranslator(request, Deployment());
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var read in reads)
        {
            translator.Translate(read, buffer);
        }

        translator.Complete(buffer);
        var raw = buffer.WrittenSpan.ToArray();
        return (SseTestOutput.Parse(raw, translator), raw, translator);
    }
}
