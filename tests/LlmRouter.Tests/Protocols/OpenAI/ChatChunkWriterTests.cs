using System.Buffers;
using System.Text;
using System.Text.Json;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Providers;

namespace LlmRouter.Tests.Protocols.OpenAI;

public sealed class ChatChunkWriterTests
{
    private const string Header = """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":""";

    private static string Write(bool includeUsage, Action<ChatChunkWriter, IBufferWriter<byte>> write)
    {
        using var chunks = new ChatChunkWriter("chatcmpl-1", 1700000000, "m", includeUsage);
        var output = new ArrayBufferWriter<byte>();
        write(chunks, output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static string Event(string choices, bool includeUsage) => $"data: {Header}{choices}{(includeUsage ? ",\"usage\":null" : "")}}}\n\n";

    public static TheoryData<string, string> Chunks => new()
    {
        { "role", """[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]""" },
        { "content", """[{"index":0,"delta":{"content":"Hel\\lo\n"},"logprobs":null,"finish_reason":null}]""" },
        { "content utf8", """[{"index":1,"delta":{"content":"lo"},"logprobs":null,"finish_reason":null}]""" },
        { "tool call start", """[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}]""" },
        { "tool call arguments", """[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"city\":"}}]},"logprobs":null,"finish_reason":null}]""" },
        { "finish", """[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]""" },
    };

    private static void WriteKind(string kind, ChatChunkWriter chunks, IBufferWriter<byte> output)
    {
        switch (kind)
        {
            case "role":
                chunks.WriteRole(output);
                break;
            case "content":
                chunks.WriteContent(output, "Hel\\lo\n");
                break;
            case "content utf8":
                chunks.WriteContentUtf8(output, "lo"u8, choiceIndex: 1);
                break;
            case "tool call start":
                chunks.WriteToolCallStart(output, 1, "call_abc", "get_weather", "");
                break;
            case "tool call arguments":
                chunks.WriteToolCallArguments(output, 1, "{\"city\":");
                break;
            case "finish":
                chunks.WriteFinish(output, "tool_calls");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Write_WithoutIncludeUsage_HasExactShapeAndNoUsageKey(string kind, string choices)
    {
        var output = Write(includeUsage: false, (c, o) => WriteKind(kind, c, o));

        Assert.Equal(Event(choices, includeUsage: false), output);
        Assert.DoesNotContain("usage", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Write_WithIncludeUsage_EndsWithUsageNull(string kind, string choices)
    {
        var output = Write(includeUsage: true, (c, o) => WriteKind(kind, c, o));

        Assert.Equal(Event(choices, includeUsage: true), output);
    }

    [Fact]
    public void WriteUsage_WritesEmptyChoicesAndFullUsage()
    {
        var output = Write(includeUsage: true, (c, o) => c.WriteUsage(o, new TokenUsage(125, 7, 132, CachedTokens: 100, ReasoningTokens: 3)));

        Assert.Equal(
            "data: " + Header + """[],"usage":{"prompt_tokens":125,"completion_tokens":7,"total_tokens":132,"prompt_tokens_details":{"cached_tokens":100},"completion_tokens_details":{"reasoning_tokens":3}}}""" + "\n\n",
            output);
    }

    [Fact]
    public void WriteError_WritesOpenAIErrorEvent()
    {
        var output = new ArrayBufferWriter<byte>();

        ChatChunkWriter.WriteError(output, "Overloaded", "overloaded_error", null);

        Assert.Equal("""data: {"error":{"message":"Overloaded","type":"overloaded_error","param":null,"code":null}}""" + "\n\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Write_QuotesHtmlCharactersAndNonAscii_AreWrittenUnescaped()
    {
        var output = Write(includeUsage: false, (c, o) =>
        {
            c.WriteContent(o, "café <b> & 'x' \"q\" 日本");
            c.WriteToolCallStart(o, 0, "call_1", "get_weather", "{\"city\":\"Zürich\"}");
        });

        Assert.Equal(
            Event("""[{"index":0,"delta":{"content":"café <b> & 'x' \"q\" 日本"},"logprobs":null,"finish_reason":null}]""", includeUsage: false)
            + Event("""[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Zürich\"}"}}]},"logprobs":null,"finish_reason":null}]""", includeUsage: false),
            output);
    }

    [Fact]
    public void WriteError_MessageWithQuotesAndNonAscii_IsWrittenUnescaped()
    {
        var output = new ArrayBufferWriter<byte>();

        ChatChunkWriter.WriteError(output, "modèle \"x\" <indisponible>", "server_error", null);

        Assert.Equal("""data: {"error":{"message":"modèle \"x\" <indisponible>","type":"server_error","param":null,"code":null}}""" + "\n\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void WriteError_WithCode_WritesCode()
    {
        var output = new ArrayBufferWriter<byte>();

        ChatChunkWriter.WriteError(output, "gone", "server_error", "stream_truncated");

        Assert.EndsWith("""
            "code":"stream_truncated"}}
            """ + "\n\n", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }

    [Fact]
    public void WriteDone_WritesDoneEvent()
    {
        var output = new ArrayBufferWriter<byte>();

        ChatChunkWriter.WriteDone(output);

        Assert.Equal("data: [DONE]\n\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Write_SeveralChunks_ShareIdCreatedAndUpdatedModel()
    {
        var output = Write(includeUsage: false, (c, o) =>
        {
            c.WriteRole(o);
            c.Model = "claude-x";
            c.WriteContent(o, "a");
            c.WriteFinish(o, "stop");
        });

        var events = output.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, events.Length);
        var models = new List<string?>();
        foreach (var e in events)
        {
            using var document = JsonDocument.Parse(e["data: ".Length..]);
            Assert.Equal("chatcmpl-1", document.RootElement.GetProperty("id").GetString());
            Assert.Equal(1700000000, document.RootElement.GetProperty("created").GetInt64());
            models.Add(document.RootElement.GetProperty("model").GetString());
        }

        Assert.Equal(["m", "claude-x", "claude-x"], models);
    }

    [Fact]
    public void WriteContent_TextNeedingEscapes_RoundTripsThroughJson()
    {
        var output = Write(includeUsage: false, (c, o) =>
        {
            c.WriteContent(o, "café 😀 <b> \"q\"");
            c.WriteToolCallArguments(o, 0, "{\"city\":\"Zürich\"}");
        });

        var events = output.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        using var first = JsonDocument.Parse(events[0]["data: ".Length..]);
        using var second = JsonDocument.Parse(events[1]["data: ".Length..]);
        Assert.Equal("café 😀 <b> \"q\"", first.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
        Assert.Equal(
            "{\"city\":\"Zürich\"}",
            second.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetString());
    }
}
