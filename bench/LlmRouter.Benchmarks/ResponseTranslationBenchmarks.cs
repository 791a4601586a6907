using BenchmarkDotNet.Attributes;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Providers;

namespace LlmRouter.Benchmarks;

/// <summary>Turning a non-streaming upstream body (captured from the simulator) into the client's chat.completion, usage included.</summary>
[MemoryDiagnoser]
public class ResponseTranslationBenchmarks
{
    private ChatRequest _request = null!;
    private IProviderAdapter _openAI = null!;
    private IProviderAdapter _anthropic = null!;
    private IProviderAdapter _gemini = null!;
    private byte[] _openAIBody = [];
    private byte[] _anthropicBody = [];
    private byte[] _geminiBody = [];

    [GlobalSetup]
    public void Setup()
    {
        _request = ProviderSamples.ParseText(stream: false);
        _openAI = ProviderSamples.Adapter(ProviderKind.OpenAI);
        _anthropic = ProviderSamples.Adapter(ProviderKind.Anthropic);
        _gemini = ProviderSamples.Adapter(ProviderKind.Gemini);
        _openAIBody = ProviderSamples.Response(ProviderKind.OpenAI);
        _anthropicBody = ProviderSamples.Response(ProviderKind.Anthropic);
        _geminiBody = ProviderSamples.Response(ProviderKind.Gemini);
    }

    [GlobalCleanup]
    public void Cleanup() => _request.Dispose();

    /// <summary>Pass-through: reads usage, model and finish reason without rewriting the body.</summary>
    [Benchmark(Baseline = true)]
    public int OpenAITranslateResponse() => _openAI.TranslateResponse(_openAIBody, _request, ProviderSamples.OpenAIDeployment).Body.Length;

    [Benchmark]
    public int AnthropicTranslateResponse() => _anthropic.TranslateResponse(_anthropicBody, _request, ProviderSamples.AnthropicDeployment).Body.Length;

    [Benchmark]
    public int GeminiTranslateResponse() => _gemini.TranslateResponse(_geminiBody, _request, ProviderSamples.GeminiDeployment).Body.Length;
}
