using System.Text;
using BenchmarkDotNet.Attributes;
using LlmRouter.Chat;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Routing.Classification;

namespace LlmRouter.Benchmarks;

/// <summary>Cost of classifying a typical prompt with the shipped classifier.</summary>
[MemoryDiagnoser]
public class ClassifierBenchmarks
{
    private const string Prompt = "My order page shows a 502 bad gateway error after I log in; how do I fix it?";

    private PromptClassifier _classifier = null!;
    private ChatRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        _classifier = PromptClassifier.Train(ClassifierExamples.LoadDefaults());
        _request = ChatRequestParser.Parse(Encoding.UTF8.GetBytes(BenchmarkFixture.Body));
    }

    [GlobalCleanup]
    public void Cleanup() => _request.Dispose();

    [Benchmark]
    public string? ClassifyText() => _classifier.Classify(Prompt).Category;

    /// <summary>Includes finding the last user message and unescaping its JSON string.</summary>
    [Benchmark]
    public string? ClassifyRequest() => _classifier.Classify(_request).Category;

    [Benchmark]
    public int TrainShippedExamples() => PromptClassifier.Train(ClassifierExamples.LoadDefaults()).Categories.Count;
}
