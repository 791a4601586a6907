using BenchmarkDotNet.Attributes;
using LlmRouter.Chat;
using LlmRouter.Protocols.OpenAI;

namespace LlmRouter.Benchmarks;

/// <summary>Parsing and validating a realistic client request (1.6 KB, tools and a tool round trip) once.</summary>
[MemoryDiagnoser]
public class ParsingBenchmarks
{
    private readonly byte[] _body = ProviderSamples.RequestBytes;

    [Benchmark]
    public int ParseChatRequest()
    {
        using var request = ChatRequestParser.Parse(_body);
        return request.Messages.GetArrayLength();
    }
}
