using System.Text;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Routing.Classification;

namespace LlmRouter.Tests.Routing.Classification;

public sealed class PromptClassifierTests
{
    private static readonly Lazy<PromptClassifier> Shipped = new(() => PromptClassifier.Train(ClassifierExamples.LoadDefaults()));

    [Fact]
    public void ShippedClassifier_EvaluationSet_AtLeastNinetyPercentAccurate()
    {
        var total = 0;
        var correct = 0;
        var misses = new List<string>();
        foreach (var (category, prompts) in ClassifierEvaluationSet.Prompts)
        {
            foreach (var prompt in prompts)
            {
                total++;
                var result = Shipped.Value.Classify(prompt);
                if (result.Category == category)
                {
                    correct++;
                }
                else
                {
                    misses.Add($"{category} → {result.Category}: {prompt}");
                }
            }
        }

        var accuracy = correct / (double)total;
        Assert.True(accuracy >= 0.90, $"accuracy {accuracy:P1}; misses:\n{string.Join('\n', misses)}");
    }

    [Fact]
    public void EvaluationSet_IsHeldOutAndNeverNamesItsCategory()
    {
        var training = ClassifierExamples.LoadDefaults().Values.SelectMany(p => p).ToHashSet(StringComparer.OrdinalIgnoreCase);
        string[] stems = ["technic", "creativ", "inform", "ethic"];
        foreach (var (category, prompts) in ClassifierEvaluationSet.Prompts)
        {
            Assert.True(prompts.Length >= 25, category);
            foreach (var prompt in prompts)
            {
                Assert.DoesNotContain(prompt, training);
                Assert.All(stems, stem => Assert.DoesNotContain(stem, prompt, StringComparison.OrdinalIgnoreCase));
            }
        }
    }

    [Fact]
    public void ShippedExamples_FourCategoriesWithSixtyPlusExamplesEach()
    {
        var examples = ClassifierExamples.LoadDefaults();

        Assert.Equal(["creative", "ethical", "informational", "technical"], examples.Keys.Order());
        Assert.All(examples.Values, prompts => Assert.True(prompts.Count >= 60));
        Assert.Equal(["creative", "ethical", "informational", "technical"], Shipped.Value.Categories);
    }

    [Theory]
    [InlineData("How do I get my printer driver working again on Linux?", "technical")]
    [InlineData("Write me a poem about a lonely whale", "creative")]
    [InlineData("What is the capital of Peru and how many people live there?", "informational")]
    [InlineData("Is it morally wrong to lie to my parents about where I was?", "ethical")]
    public void Classify_TypicalPrompt_ReturnsCategoryWithConfidence(string prompt, string expected)
    {
        var result = Shipped.Value.Classify(prompt);

        Assert.Equal(expected, result.Category);
        Assert.InRange(result.Confidence, 0.25, 1.0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("zxqv blorp")]
    [InlineData("the and of to")]
    public void Classify_NoKnownWords_ReturnsNoCategory(string prompt)
        => Assert.Null(Shipped.Value.Classify(prompt).Category);

    [Fact]
    public void Classify_DoesNotAllocate()
    {
        var classifier = Shipped.Value;
        const string Prompt = "My Docker build fails because the base image cannot be pulled from the registry; what should I check?";
        classifier.Classify(Prompt);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            classifier.Classify(Prompt);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Classify_Request_UsesLastUserMessageIncludingEscapesAndParts()
    {
        const string Body = """
            {"model":"m","messages":[
              {"role":"user","content":"Write a poem about the sea"},
              {"role":"assistant","content":"Waves..."},
              {"role":"user","content":[{"type":"text","text":"Now my \"docker compose\" fails:\nport already allocated"},{"type":"image_url","image_url":{"url":"data:x"}}]}]}
            """;
        using var request = ChatRequestParser.Parse(Encoding.UTF8.GetBytes(Body));

        Assert.Equal("technical", Shipped.Value.Classify(request).Category);
    }

    [Fact]
    public void Train_CustomExamplesFromOptions_ReplaceShippedCategories()
    {
        var options = new ClassifierOptions
        {
            Examples =
            {
                ["billing"] = ["I was charged twice for my invoice", "refund my payment", "update the credit card on my account"],
                ["shipping"] = ["where is my parcel", "the delivery is late", "track my package shipment"],
            },
        };

        var classifier = PromptClassifier.Train(ClassifierExamples.Load(options, null));

        Assert.Equal(["billing", "shipping"], classifier.Categories);
        Assert.Equal("shipping", classifier.Classify("my package has not arrived, can you track it?").Category);
        Assert.Equal("billing", classifier.Classify("why was my card charged twice?").Category);
    }

    [Fact]
    public void Load_ExamplesFile_ReadRelativeToContentRoot()
    {
        var root = Directory.CreateTempSubdirectory("llmrouter-classifier");
        try
        {
            File.WriteAllText(Path.Combine(root.FullName, "examples.json"), """{"legal":["review this contract clause","is this lease enforceable"],"medical":["what dose of ibuprofen is safe","symptoms of flu"]}""");

            var examples = ClassifierExamples.Load(new ClassifierOptions { ExamplesFile = "examples.json" }, root.FullName);

            Assert.Equal(["legal", "medical"], examples.Keys.Order());
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("stories", "story")]
    [InlineData("configured", "configur")]
    [InlineData("configuring", "configur")]
    [InlineData("configure", "configur")]
    [InlineData("debugging", "debug")]
    [InlineData("poems", "poem")]
    [InlineData("installed", "install")]
    [InlineData("quickly", "quick")]
    public void TokenStream_Stem_SharesTokensAcrossInflections(string word, string expected)
    {
        var buffer = word.ToCharArray();

        var length = TokenStream.Stem(buffer);

        Assert.Equal(expected, new string(buffer, 0, length));
    }
}
