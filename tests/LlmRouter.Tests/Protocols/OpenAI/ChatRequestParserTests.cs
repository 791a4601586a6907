using System.Text;
using System.Text.Json;
using LlmRouter.Chat;
using LlmRouter.Protocols.OpenAI;

namespace LlmRouter.Tests.Protocols.OpenAI;

public sealed class ChatRequestParserTests
{
    private const string User = """[{"role":"user","content":"hi"}]""";

    private static ChatRequest Parse(string json) => ChatRequestParser.Parse(Encoding.UTF8.GetBytes(json));

    private static string With(string fields) => $$"""{"model":"m","messages":{{User}},{{fields}}}""";

    public static TheoryData<string, string, string?> Refusals => new()
    {
        { "{not json", "We could not parse the JSON body of your request. The body must be valid JSON.", null },
        { "", "We could not parse the JSON body of your request. The body must be valid JSON.", null },
        { "[1,2]", "The request body must be a JSON object.", null },
        { "\"text\"", "The request body must be a JSON object.", null },
        { $$"""{"messages":{{User}}}""", "Missing required parameter: 'model'.", "model" },
        { $$"""{"model":null,"messages":{{User}}}""", "Missing required parameter: 'model'.", "model" },
        { $$"""{"model":"","messages":{{User}}}""", "Invalid type for 'model': expected a non-empty string.", "model" },
        { $$"""{"model":42,"messages":{{User}}}""", "Invalid type for 'model': expected a non-empty string.", "model" },
        { """{"model":"m"}""", "Missing required parameter: 'messages'.", "messages" },
        { """{"model":"m","messages":null}""", "Missing required parameter: 'messages'.", "messages" },
        { """{"model":"m","messages":[]}""", "Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages" },
        { """{"model":"m","messages":{"role":"user"}}""", "Invalid type for 'messages': expected an array.", "messages" },
        { """{"model":"m","messages":"hi"}""", "Invalid type for 'messages': expected an array.", "messages" },
        { """{"model":"m","messages":["hi"]}""", "Invalid type for 'messages[0]': expected an object.", "messages[0]" },
        { """{"model":"m","messages":[{"content":"hi"}]}""", "Missing required parameter: 'messages[0].role'.", "messages[0].role" },
        { """{"model":"m","messages":[{"role":"user","content":"a"},{"role":"robot","content":"hi"}]}""", "Invalid value: 'robot'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.", "messages[1].role" },
        { """{"model":"m","messages":[{"role":"user"}]}""", "Missing required parameter: 'messages[0].content'.", "messages[0].content" },
        { """{"model":"m","messages":[{"role":"system","content":null}]}""", "Missing required parameter: 'messages[0].content'.", "messages[0].content" },
        { """{"model":"m","messages":[{"role":"user","content":5}]}""", "Invalid type for 'messages[0].content': expected a string or an array of content parts.", "messages[0].content" },
        { """{"model":"m","messages":[{"role":"user","content":[{"text":"x"}]}]}""", "Invalid 'messages[0].content[0]': each content part must be an object with a 'type'.", "messages[0].content[0]" },
        { """{"model":"m","messages":[{"role":"user","content":"a"},{"role":"tool","content":"18C"}]}""", "Missing required parameter: 'messages[1].tool_call_id'.", "messages[1].tool_call_id" },
        { """{"model":"m","messages":[{"role":"assistant","tool_calls":{}}]}""", "Invalid type for 'messages[0].tool_calls': expected an array.", "messages[0].tool_calls" },
        { """{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{}}]}]}""", "Invalid 'messages[0].tool_calls[0]': a tool call needs 'id' and 'function.name'.", "messages[0].tool_calls[0]" },
        { With("\"stream_options\":{\"include_usage\":true}"), "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options" },
        { With("\"stream\":false,\"stream_options\":{\"include_usage\":true}"), "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options" },
        { With("\"stream\":true,\"stream_options\":true"), "Invalid type for 'stream_options': expected an object.", "stream_options" },
        { With("\"stream\":true,\"stream_options\":{\"include_usage\":\"yes\"}"), "Invalid type for 'stream_options.include_usage': expected a boolean.", "stream_options.include_usage" },
        { With("\"stream\":\"true\""), "Invalid type for 'stream': expected a boolean.", "stream" },
        { With("\"temperature\":\"hot\""), "Invalid type for 'temperature': expected a number.", "temperature" },
        { With("\"temperature\":2.5"), "Invalid 'temperature': 2.5 is out of range; expected a value between 0 and 2.", "temperature" },
        { With("\"top_p\":[1]"), "Invalid type for 'top_p': expected a number.", "top_p" },
        { With("\"top_p\":1.5"), "Invalid 'top_p': 1.5 is out of range; expected a value between 0 and 1.", "top_p" },
        { With("\"n\":1.5"), "Invalid type for 'n': expected an integer.", "n" },
        { With("\"n\":\"2\""), "Invalid type for 'n': expected an integer.", "n" },
        { With("\"n\":0"), "Invalid 'n': 0 is out of range; expected a value between 1 and 128.", "n" },
        { With("\"n\":129"), "Invalid 'n': 129 is out of range; expected a value between 1 and 128.", "n" },
        { With("\"max_tokens\":\"100\""), "Invalid type for 'max_tokens': expected an integer.", "max_tokens" },
        { With("\"max_tokens\":0"), "Invalid 'max_tokens': 0 is out of range; expected a value between 1 and 2147483647.", "max_tokens" },
        { With("\"max_completion_tokens\":1e20"), "Invalid type for 'max_completion_tokens': expected an integer.", "max_completion_tokens" },
        { With("\"stop\":5"), "Invalid type for 'stop': expected a string or an array of strings.", "stop" },
        { With("\"stop\":[\"a\",1]"), "Invalid type for 'stop': expected a string or an array of strings.", "stop" },
        { With("\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]"), "Invalid 'stop': array too long. Expected an array with maximum length 4.", "stop" },
        { With("\"tool_choice\":\"sometimes\""), "Invalid value: 'sometimes'. Supported values are: 'none', 'auto', and 'required'.", "tool_choice" },
        { With("\"tool_choice\":{\"type\":\"function\"}"), "Invalid 'tool_choice': expected 'none', 'auto', 'required' or {\"type\":\"function\",\"function\":{\"name\":...}}.", "tool_choice" },
        { With("\"tool_choice\":3"), "Invalid 'tool_choice': expected 'none', 'auto', 'required' or {\"type\":\"function\",\"function\":{\"name\":...}}.", "tool_choice" },
        { With("\"tools\":{}"), "Invalid type for 'tools': expected an array.", "tools" },
        { With("\"parallel_tool_calls\":1"), "Invalid type for 'parallel_tool_calls': expected a boolean.", "parallel_tool_calls" },
        { With("\"response_format\":\"json\""), "Invalid type for 'response_format': expected an object.", "response_format" },
        { With("\"user\":7"), "Invalid type for 'user': expected a string.", "user" },
        { With("\"seed\":1.5"), "Invalid type for 'seed': expected an integer.", "seed" },
        { With("\"metadata\":[]"), "Invalid type for 'metadata': expected an object.", "metadata" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Parse_InvalidRequest_IsRefusedWithOpenAIMessageAndParam(string json, string message, string? param)
    {
        var error = Assert.Throws<InvalidRequestException>(() => Parse(json));

        Assert.Equal(message, error.Message);
        Assert.Equal(param, error.Param);
        Assert.Equal(400, error.StatusCode);
    }

    [Theory]
    [InlineData("\"temperature\":-0.5", "decimal_below_min_value")]
    [InlineData("\"temperature\":2.5", "decimal_above_max_value")]
    [InlineData("\"top_p\":-1", "decimal_below_min_value")]
    public void Parse_NumberOutOfRange_CodeNamesTheViolatedBound(string field, string code)
    {
        var error = Assert.Throws<InvalidRequestException>(() => Parse(With(field)));

        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Parse_StreamOptionsWithoutStream_MatchesOpenAIExactly()
    {
        var error = Assert.Throws<InvalidRequestException>(() => Parse(With("\"stream_options\":{\"include_usage\":true}")));

        Assert.Equal("The 'stream_options' parameter is only allowed when 'stream' is enabled.", error.Message);
        Assert.Equal("stream_options", error.Param);
        Assert.Null(error.Code);
    }

    [Theory]
    [InlineData("\"max_tokens\":100,\"max_completion_tokens\":200", 200)]
    [InlineData("\"max_completion_tokens\":200,\"max_tokens\":100", 200)]
    [InlineData("\"max_tokens\":100", 100)]
    [InlineData("\"max_tokens\":100,\"max_completion_tokens\":null", 100)]
    public void Parse_MaxCompletionTokens_WinsOverMaxTokens(string fields, int expected)
    {
        using var request = Parse(With(fields));

        Assert.Equal(expected, request.MaxTokens);
    }

    [Fact]
    public void Parse_FullRequest_ReadsTypedFields()
    {
        using var request = Parse("""
            {"model":"gpt-4o","messages":[{"role":"developer","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hi"}]},
             {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},
             {"role":"tool","tool_call_id":"call_1","content":"ok"}],
             "stream":true,"stream_options":{"include_usage":true},"temperature":0.2,"top_p":0.9,"n":2,"stop":"END",
             "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"auto","parallel_tool_calls":false,
             "response_format":{"type":"json_object"},"user":"u-1","seed":42,"metadata":{"category":"code"}}
            """);

        Assert.Equal("gpt-4o", request.Model);
        Assert.Equal(4, request.Messages.GetArrayLength());
        Assert.True(request.Stream);
        Assert.True(request.IncludeUsage);
        Assert.Null(request.MaxTokens);
        Assert.Equal(0.2, request.Temperature);
        Assert.Equal(0.9, request.TopP);
        Assert.Equal(2, request.N);
        Assert.Equal(["END"], request.Stop);
        Assert.NotNull(request.Tools);
        Assert.Equal("auto", request.ToolChoice?.GetString());
        Assert.False(request.ParallelToolCalls);
        Assert.NotNull(request.ResponseFormat);
        Assert.Equal("u-1", request.User);
        Assert.Equal(42, request.Seed);
        Assert.Equal("code", request.Metadata?.GetProperty("category").GetString());
    }

    [Fact]
    public void Parse_MinimalRequest_HasDefaults()
    {
        using var request = Parse($$"""{"model":"m","messages":{{User}}}""");

        Assert.False(request.Stream);
        Assert.False(request.IncludeUsage);
        Assert.Equal(1, request.N);
        Assert.Empty(request.Stop);
        Assert.Null(request.Tools);
        Assert.Null(request.ToolChoice);
        Assert.Null(request.Temperature);
    }

    [Fact]
    public void Parse_StreamOptionsNullWithoutStream_IsAccepted()
    {
        using var request = Parse(With("\"stream_options\":null"));

        Assert.False(request.IncludeUsage);
    }

    [Fact]
    public void Parse_KeepsOriginalBodyForPassThrough()
    {
        var body = Encoding.UTF8.GetBytes($$$"""{"model":"m","messages":{{{User}}},"x_unknown":{"a":1}}""");

        using var request = ChatRequestParser.Parse(body);

        Assert.True(request.Body.Span.SequenceEqual(body));
        Assert.Equal(1, request.Root.GetProperty("x_unknown").GetProperty("a").GetInt32());
    }

    [Fact]
    public void Parse_InvalidUtf8InModel_IsRefusedAs400()
    {
        byte[] body = [.. "{\"model\":\"m"u8, 0xC3, 0x28, .. "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"u8];

        var error = Assert.Throws<InvalidRequestException>(() => ChatRequestParser.Parse(body));

        Assert.Equal(400, error.StatusCode);
    }

    public static TheoryData<string, string?> MalformedValues => new()
    {
        { """{"model":"\ud800","messages":[{"role":"user","content":"hi"}]}""", "model" },
        { """{"model":"m","messages":[{"role":"us\udc00er","content":"hi"}]}""", "messages[0].role" },
        { """{"model":"m","messages":[{"role":"user","content":"a\ud800b"}]}""", "messages[0].content" },
        { """{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"\ud83d"}]}]}""", "messages[0].content[0].text" },
        { """{"model":"m","messages":[{"role":"user","content":"hi"}],"stop":["ok","\udfff"]}""", "stop[1]" },
        { """{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"\ud800","function":{"name":"f"}}]}]}""", "messages[0].tool_calls[0].id" },
        { """{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"category":"\ud800"}}""", "metadata.category" },
        { """{"model":"m","messages":[{"role":"user","content":"hi"}],"x\ud800":1}""", "x\\ud800" },
        { """{"model":"m","messages":[{"role":"user","content":"hi"}],"presence_penalty":1e309}""", "presence_penalty" },
        { """{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":-1e400}""", "temperature" },
        { """{"model":"m","messages":[{"role":"user","content":"hi"}],"x":[1,2,1e999]}""", "x[2]" },
    };

    [Theory]
    [MemberData(nameof(MalformedValues))]
    public void Parse_LoneSurrogateOrNonFiniteNumber_IsRefusedNamingTheParam(string json, string? param)
    {
        var error = Assert.Throws<InvalidRequestException>(() => Parse(json));

        Assert.Equal(400, error.StatusCode);
        Assert.Equal(param, error.Param);
        Assert.Equal("invalid_value", error.Code);
    }

    [Fact]
    public void Parse_PairedSurrogateEscapes_AreAccepted()
    {
        using var request = Parse("""{"model":"m","messages":[{"role":"user","content":"\ud83d\ude00 \u00e9\\u"}]}""");

        Assert.Equal("\U0001F600 é\\u", request.Messages[0].GetProperty("content").GetString());
    }

    [Fact]
    public void Parse_NestingAtTheLimit_IsAccepted()
    {
        // Root object, messages array, message object and a content array make four levels already.
        var nested = new string('[', JsonLimits.MaxDepth - 1) + new string(']', JsonLimits.MaxDepth - 1);

        using var request = Parse(With($"\"x\":{nested}"));

        Assert.Equal(JsonValueKind.Array, request.Root.GetProperty("x").ValueKind);
    }

    [Fact]
    public void Parse_NestingBeyondTheLimit_IsRefusedNamingTheParam()
    {
        var nested = new string('[', JsonLimits.MaxDepth) + new string(']', JsonLimits.MaxDepth);

        var error = Assert.Throws<InvalidRequestException>(() => Parse(With($"\"x\":{nested}")));

        Assert.Equal(400, error.StatusCode);
        Assert.StartsWith("x", error.Param, StringComparison.Ordinal);
        Assert.Contains("deeper than 64", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":"m","model":"n","messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","role":"system","content":"hi"}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"category":"a","category":"b"}}""")]
    public void Parse_DuplicatePropertyNames_AreRefused(string json)
    {
        var error = Assert.Throws<InvalidRequestException>(() => Parse(json));

        Assert.Equal(400, error.StatusCode);
        Assert.Equal("duplicate_property", error.Code);
    }

    public static TheoryData<string, string> TranslatorTypeErrors => new()
    {
        { "\"tools\":[{\"type\":1,\"function\":{\"name\":\"f\"}}]", "tools[0].type" },
        { "\"tools\":[5]", "tools[0]" },
        { "\"tools\":[{\"type\":\"function\",\"function\":\"f\"}]", "tools[0].function" },
        { "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":[]}}]", "tools[0].function.name" },
        { "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"description\":1}}]", "tools[0].function.description" },
        { "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":\"{}\"}}]", "tools[0].function.parameters" },
        { "\"response_format\":{\"type\":true}", "response_format.type" },
        { "\"response_format\":{}", "response_format.type" },
        { "\"presence_penalty\":\"high\"", "presence_penalty" },
        { "\"frequency_penalty\":3", "frequency_penalty" },
        { "\"metadata\":{\"category\":7}", "metadata.category" },
        { "\"metadata\":{\"category\":\"café\"}", "metadata.category" },
        { "\"metadata\":{\"category\":\"a b\"}", "metadata.category" },
        { "\"metadata\":{\"category\":\"" + new string('a', 65) + "\"}", "metadata.category" },
    };

    [Theory]
    [MemberData(nameof(TranslatorTypeErrors))]
    public void Parse_ValueOfWrongTypeForATranslator_IsRefusedNamingTheParam(string field, string param)
    {
        var error = Assert.Throws<InvalidRequestException>(() => Parse(With(field)));

        Assert.Equal(400, error.StatusCode);
        Assert.Equal(param, error.Param);
    }

    [Theory]
    [InlineData("""{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":{}}}]}""", "messages[1].tool_calls[0].function.arguments")]
    [InlineData("""{"role":"user","content":"hi","name":3}""", "messages[1].name")]
    public void Parse_MessageFieldOfWrongType_IsRefusedNamingTheParam(string message, string param)
    {
        var error = Assert.Throws<InvalidRequestException>(() => Parse($$"""{"model":"m","messages":[{"role":"user","content":"a"},{{message}}]}"""));

        Assert.Equal(param, error.Param);
    }

    [Theory]
    [InlineData("code")]
    [InlineData("Code.Review:v2_x-1")]
    [InlineData("   ")]
    public void Parse_CategoryToken_IsAccepted(string category)
    {
        using var request = Parse(With($"\"metadata\":{{\"category\":\"{category}\"}}"));

        Assert.NotNull(request.Metadata);
    }
}
