using System.Buffers;
using BenchmarkDotNet.Attributes;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Providers;

namespace LlmRouter.Benchmarks;

/// <summary>
/// One whole upstream stream (captured from the simulator, fed one SSE event per read as a paced upstream sends
/// them) through the provider's translator, creation and [DONE] included. Reported per upstream event.
/// </summary>
[MemoryDiagnoser]
public class StreamTranslationBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(16 * 1024);
    private ChatRequest _request = null!;
    private IProviderAdapter _adapter = null!;
    private Deployment _deployment = null!;
    private byte[][] _events = [];

    [Params(ProviderKind.OpenAI, ProviderKind.Anthropic, ProviderKind.Gemini)]
    public ProviderKind Provider { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _request = ProviderSamples.ParseText(stream: true);
        _adapter = ProviderSamples.Adapter(Provider);
        _deployment = ProviderSamples.DeploymentFor(Provider);
        _events = ProviderSamples.StreamEvents(Provider);
        // The per-event cost is the stream's mean divided by this count.
        Console.WriteLine($"// {Provider}: {_events.Length} upstream events, {_events.Sum(e => e.Length)} bytes");
    }

    [GlobalCleanup]
    public void Cleanup() => _request.Dispose();

    [Benchmark]
    public int TranslateWholeStream()
    {
        _output.ResetWrittenCount();
        using var translator = _adapter.CreateStreamTranslator(_request, _deployment);
        var events = _events;
        for (var i = 0; i < events.Length; i++)
        {
            translator.Translate(events[i], _output);
        }

        translator.Complete(_output);
        if (translator.Error is not null)
        {
            throw new InvalidOperationException("The captured stream did not translate cleanly: " + translator.Error.Message);
        }

        return _output.WrittenCount;
    }
}
