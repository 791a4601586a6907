using System.Buffers;
using System.Text;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Providers;
using LlmRouter.Providers.OpenAI;

namespace LlmRouter.Tests.Providers.OpenAI;

internal static class OpenAITestData
{
    public static ChatRequest Parse(string json) => ChatRequestParser.Parse(Encoding.UTF8.GetBytes(json));

    public static Deployment Deployment(string upstreamModel = "gpt-4o-2024-08-06")
        => new("openai-main", new DeploymentOptions { Provider = ProviderKind.OpenAI, Model = upstreamModel, BaseUrl = "https://api.openai.com" }, new Uri("https://api.openai.com"));

    /// <summary>Feeds the upstream in the given pieces, completes, and returns what the client receives.</summary>
    public static string Run(IStreamTranslator translator, params string[] pieces)
        => Run(translator, pieces.Select(Encoding.UTF8.GetBytes).ToArray());

    public static string Run(IStreamTranslator translator, byte[][] pieces)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var piece in pieces)
        {
            translator.Translate(piece, output);
        }

        translator.Complete(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    public static OpenAIStreamTranslator Translator(bool includeUsage = false, int n = 1) => new(includeUsage, n);
}
