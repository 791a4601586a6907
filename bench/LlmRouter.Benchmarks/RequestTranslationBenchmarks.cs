using BenchmarkDotNet.Attributes;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Providers;

namespace LlmRouter.Benchmarks;

/// <summary>Building the upstream body from the parsed request: OpenAI rewrites in place, Anthropic and Gemini translate.</summary>
[MemoryDiagnoser]
public class RequestTranslationBenchmarks
{
    private ChatRequest _request = null!;
    private IProviderAdapter _openAI = null!;
    private IProviderAdapter _anthropic = null!;
    private IProviderAdapter _gemini = null!;

    [GlobalSetup]
    public void Setup()
    {
        _request = ProviderSamples.Parse();
        _openAI = ProviderSamples.Adapter(ProviderKind.OpenAI);
        _anthropic = ProviderSamples.Adapter(ProviderKind.Anthropic);
        _gemini = ProviderSamples.Adapter(ProviderKind.Gemini);
    }

    [GlobalCleanup]
    public void Cleanup() => _request.Dispose();

    [Benchmark(Baseline = true)]
    public int OpenAICreateRequest() => _openAI.CreateRequest(_request, ProviderSamples.OpenAIDeployment).Body.Length;

    [Benchmark]
    public int AnthropicCreateRequest() => _anthropic.CreateRequest(_request, ProviderSamples.AnthropicDeployment).Body.Length;

    [Benchmark]
    public int GeminiCreateRequest() => _gemini.CreateRequest(_request, ProviderSamples.GeminiDeployment).Body.Length;
}
