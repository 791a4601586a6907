using System.Buffers;
using System.Text;
using System.Text.Json;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Providers;
using LlmRouter.Providers.Gemini;

namespace LlmRouter.Tests.Providers.Gemini;

/// <summary>Builders and runners shared by the Gemini adapter tests.</summary>
internal static class GeminiTestData
{
    public const string ChunkId = "chatcmpl-test";
    public const long Created = 1_700_000_000;

    public static Deployment Deployment(bool requiresThoughtSignatures = false)
        => new(
            "gemini",
            new DeploymentOptions { Provider = ProviderKind.Gemini, Model = "gemini-2.5-flash", RequiresThoughtSignatures = requiresThoughtSignatures },
            new Uri("http://127.0.0.1:1"));

    public static ChatRequest Request(string json) => ChatRequestParser.Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>Translates a client request and returns the Gemini body as a parsed document.</summary>
    public static JsonDocument TranslateRequest(string json, ThoughtSignatureStore? store = null, Deployment? deployment = null)
    {
        using var request = Request(json);
        var adapter = new GeminiAdapter(store ?? new ThoughtSignatureStore());
        var upstream = adapter.CreateRequest(request, deployment ?? Deployment());
        return JsonDocument.Parse(upstream.Body);
    }

    public static JsonDocument TranslateResponse(string geminiBody, ThoughtSignatureStore? store = null)
    {
        using var request = Request("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""");
        var adapter = new GeminiAdapter(store ?? new ThoughtSignatureStore());
        var translated = adapter.TranslateResponse(Encoding.UTF8.GetBytes(geminiBody), request, Deployment());
        return JsonDocument.Parse(translated.Body);
    }

    public static GeminiStreamTranslator StreamTranslator(bool includeUsage = false, ThoughtSignatureStore? store = null)
        => new(new ChatChunkWriter(ChunkId, Created, "gemini-2.5-flash", includeUsage), store ?? new ThoughtSignatureStore());

    /// <summary>One Gemini SSE event as the API frames it: <c>data: json</c> then CRLF CRLF.</summary>
    public static string Event(string json) => "data: " + json + "\r\n\r\n";

    /// <summary>Feeds the reads one by one, completes the stream and returns the raw output.</summary>
    public static byte[] RunStream(GeminiStreamTranslator translator, IEnumerable<byte[]> reads)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var read in reads)
        {
            translator.Translate(read, output);
        }

        translator.Complete(output);
        return output.WrittenSpan.ToArray();
    }

    public static SseTestOutput RunStream(string upstream, bool includeUsage = false, ThoughtSignatureStore? store = null)
    {
        using var translator = StreamTranslator(includeUsage, store);
        var bytes = RunStream(translator, [Encoding.UTF8.GetBytes(upstream)]);
        return SseTestOutput.Parse(bytes, translator);
    }
}
