using System.Text.Json;
using LlmRouter.Simulator;

namespace LlmRouter.Tests.Simulator;

public sealed class SimulatedReplyTests
{
    [Theory]
    [InlineData("")]
    [InlineData("hi")]
    [InlineData("What is the capital of France?")]
    [InlineData("A much longer prompt with many words that goes on and on about routing gateways and their upstreams")]
    [InlineData("   whitespace\n\tand\r\nnewlines   ")]
    public void Create_TextReply_NamesDeploymentAndModelAndHas20To60Words(string subject)
    {
        var reply = SimulatedReply.Create(Request(subject));

        Assert.False(reply.IsToolCall);
        Assert.StartsWith("[sim dep · model-x] ", reply.Text, StringComparison.Ordinal);
        Assert.InRange(reply.CompletionTokens, 20, 60);
        Assert.Equal(SimulatorHttp.Words(reply.Text!), reply.CompletionTokens);
        Assert.Equal(reply.PromptTokens + reply.CompletionTokens, reply.TotalTokens);
        Assert.Equal(FinishKind.Stop, reply.Finish);
        Assert.DoesNotContain('\n', reply.Text!);
    }

    [Fact]
    public void Create_SameRequest_GivesSameText_DifferentRequestsVaryInLength()
    {
        Assert.Equal(SimulatedReply.Create(Request("same")).Text, SimulatedReply.Create(Request("same")).Text);

        var lengths = Enumerable.Range(0, 20).Select(i => SimulatedReply.Create(Request($"question {i}")).CompletionTokens).Distinct();
        Assert.True(lengths.Count() > 3);
    }

    [Fact]
    public void Create_MaxOutputTokens_TruncatesToExactlyThatManyWords()
    {
        var reply = SimulatedReply.Create(Request("hello", maxOutputTokens: 7));

        Assert.Equal(FinishKind.Length, reply.Finish);
        Assert.Equal(7, reply.CompletionTokens);
        Assert.Equal(7, SimulatorHttp.Words(reply.Text!));
        Assert.False(char.IsWhiteSpace(reply.Text![^1]));
    }

    [Fact]
    public void Create_DeclaredToolAndUserTurn_CallsTheTool()
    {
        var reply = SimulatedReply.Create(Request("weather?", tool: "get_weather"));

        Assert.True(reply.IsToolCall);
        Assert.Equal(FinishKind.ToolCall, reply.Finish);
        Assert.Equal("get_weather", reply.ToolName);
        Assert.Equal("""{"city":"sim"}""", reply.ToolArguments);
        Assert.Null(reply.Text);
        Assert.True(reply.CompletionTokens > 0);
    }

    [Fact]
    public void Create_ToolResultTurn_AnswersWithTextAboutTheResult()
    {
        var reply = SimulatedReply.Create(Request("18C and sunny", tool: "get_weather", lastTurn: TurnKind.ToolResult));

        Assert.False(reply.IsToolCall);
        Assert.Contains("The tool returned \"18C and sunny\"", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void SkipWords_ChunksConcatenateToTheOriginalText()
    {
        const string Text = "[sim a · b]  two  spaces and\ttabs end.";
        var chunks = new List<string>();
        var words = 0;
        for (var start = 0; start < Text.Length;)
        {
            var end = SimulatedReply.SkipWords(Text, start, 2, out var taken);
            chunks.Add(Text[start..end]);
            words += taken;
            start = end;
        }

        Assert.Equal(Text, string.Concat(chunks));
        Assert.Equal(SimulatorHttp.Words(Text), words);
        Assert.Equal(SimulatorHttp.Words(Text), SimulatedReply.CountWords(Text));
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{}}""", "{}")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"required":["a"]}""", """{"a":"sim"}""")]
    [InlineData("""{"type":"OBJECT","properties":{"n":{"type":"INTEGER"},"f":{"type":"boolean"},"e":{"type":"string","enum":["x","y"]},"l":{"type":["array","null"]}},"required":["n","f","e","l"]}""", """{"n":1,"f":true,"e":"x","l":[]}""")]
    [InlineData("null", "{}")]
    public void BuildToolArguments_FillsRequiredPropertiesFromTheSchema(string schema, string expected)
    {
        using var document = JsonDocument.Parse(schema);

        Assert.Equal(expected, RequestJson.BuildToolArguments(document.RootElement));
    }

    [Fact]
    public void FaultInjector_RespectsErrorRateAndMixesErrorKinds()
    {
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Null(FaultInjector.Next(0)));

        var kinds = Enumerable.Range(0, 1000).Select(_ => FaultInjector.Next(1)!.Kind).ToHashSet();
        Assert.Equal([ErrorKind.RateLimited, ErrorKind.ServerError, ErrorKind.Overloaded], kinds.Order());

        var failures = Enumerable.Range(0, 4000).Count(_ => FaultInjector.Next(0.25) is not null);
        Assert.InRange(failures, 800, 1200);
    }

    private static SimulatedRequest Request(string subject, int? maxOutputTokens = null, string? tool = null, TurnKind lastTurn = TurnKind.User) => new()
    {
        Deployment = "dep",
        Model = "model-x",
        PromptTokens = 12,
        Subject = subject,
        MaxOutputTokens = maxOutputTokens,
        LastTurn = lastTurn,
        ToolName = tool,
        ToolArguments = tool is null ? null : """{"city":"sim"}""",
    };
}
