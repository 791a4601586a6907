using System.Text.Json;
using LlmRouter.Chat;
using LlmRouter.Providers.Gemini;

namespace LlmRouter.Tests.Providers.Gemini;

public sealed class GeminiRequestTranslatorTests
{
    private const string Hi = """{"role":"user","content":"Hi"}""";

    [Theory]
    [InlineData("\"max_tokens\":100,\"max_completion_tokens\":200", "maxOutputTokens", "200")]
    [InlineData("\"max_tokens\":100", "maxOutputTokens", "100")]
    [InlineData("\"temperature\":1.7", "temperature", "1.7")]
    [InlineData("\"top_p\":0.25", "topP", "0.25")]
    [InlineData("\"n\":2", "candidateCount", "2")]
    [InlineData("\"seed\":42", "seed", "42")]
    [InlineData("\"presence_penalty\":0.5", "presencePenalty", "0.5")]
    [InlineData("\"frequency_penalty\":-0.5", "frequencyPenalty", "-0.5")]
    [InlineData("\"stop\":[\"END\",\"STOP\"]", "stopSequences", "[\"END\",\"STOP\"]")]
    [InlineData("\"stop\":\"END\"", "stopSequences", "[\"END\"]")]
    [InlineData("\"response_format\":{\"type\":\"json_object\"}", "responseMimeType", "\"application/json\"")]
    public void Translate_SamplingParameter_LandsInGenerationConfig(string fields, string geminiName, string expectedJson)
    {
        using var body = GeminiTestData.TranslateRequest($$"""{"model":"m","messages":[{{Hi}}],{{fields}}}""");

        var value = body.RootElement.GetProperty("generationConfig").GetProperty(geminiName);

        Assert.Equal(expectedJson, value.GetRawText());
    }

    [Fact]
    public void Translate_NoSamplingParameters_OmitsGenerationConfig()
    {
        using var body = GeminiTestData.TranslateRequest($$"""{"model":"m","messages":[{{Hi}}],"n":1}""");

        Assert.False(body.RootElement.TryGetProperty("generationConfig", out _));
    }

    [Fact]
    public void Translate_JsonSchemaResponseFormat_SendsSchemaAsIs()
    {
        const string schema = """{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"],"additionalProperties":false}""";

        using var body = GeminiTestData.TranslateRequest($$$$"""
            {"model":"m","messages":[{{{{Hi}}}}],"response_format":{"type":"json_schema","json_schema":{"name":"x","strict":true,"schema":{{{{schema}}}}}}}
            """);

        var config = body.RootElement.GetProperty("generationConfig");
        Assert.Equal("application/json", config.GetProperty("responseMimeType").GetString());
        Assert.Equal(schema, config.GetProperty("responseJsonSchema").GetRawText());
        Assert.False(config.TryGetProperty("responseSchema", out _));
    }

    [Fact]
    public void Translate_SystemAndDeveloperMessages_ConcatenateIntoSystemInstruction()
    {
        using var body = GeminiTestData.TranslateRequest("""
            {"model":"m","messages":[
              {"role":"system","content":"Be brief"},
              {"role":"user","content":"Hi"},
              {"role":"developer","content":[{"type":"text","text":"Use French"}]}]}
            """);

        var parts = body.RootElement.GetProperty("systemInstruction").GetProperty("parts");
        Assert.Equal(["Be brief", "Use French"], parts.EnumerateArray().Select(p => p.GetProperty("text").GetString()));
        var contents = body.RootElement.GetProperty("contents");
        Assert.Equal(1, contents.GetArrayLength());
        Assert.Equal("Hi", contents[0].GetProperty("parts")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void Translate_SystemOnlyRequest_RefusesWithMessagesParam()
    {
        var error = Assert.Throws<InvalidRequestException>(
            () => GeminiTestData.TranslateRequest("""{"model":"m","messages":[{"role":"system","content":"Be brief"}]}"""));

        Assert.Equal("messages", error.Param);
        Assert.Equal(400, error.StatusCode);
    }

    [Fact]
    public void Translate_ConsecutiveSameRoleMessages_MergeIntoAlternatingTurns()
    {
        using var body = GeminiTestData.TranslateRequest("""
            {"model":"m","messages":[
              {"role":"user","content":"a"},{"role":"user","content":"b"},
              {"role":"assistant","content":"c"},{"role":"assistant","content":"d"},
              {"role":"user","content":"e"}]}
            """);

        var contents = body.RootElement.GetProperty("contents").EnumerateArray().ToList();
        Assert.Equal(["user", "model", "user"], contents.Select(c => c.GetProperty("role").GetString()));
        Assert.Equal(
            ["a,b", "c,d", "e"],
            contents.Select(c => string.Join(',', c.GetProperty("parts").EnumerateArray().Select(p => p.GetProperty("text").GetString()))));
    }

    [Fact]
    public void Translate_EmptyAssistantText_WritesNoEmptyTurnOrPart()
    {
        using var body = GeminiTestData.TranslateRequest("""
            {"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":""},{"role":"user","content":"b"}]}
            """);

        var contents = body.RootElement.GetProperty("contents");
        Assert.Equal(1, contents.GetArrayLength());
        Assert.Equal(2, contents[0].GetProperty("parts").GetArrayLength());
    }

    [Fact]
    public void Translate_ToolResult_RecoversFunctionNameAndParsesObjectContent()
    {
        using var body = GeminiTestData.TranslateRequest("""
            {"model":"m","messages":[
              {"role":"user","content":"find x"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_9","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"x\"}"}}]},
              {"role":"tool","tool_call_id":"call_9","content":"{\"hits\":3}"}]}
            """);

        var contents = body.RootElement.GetProperty("contents");
        Assert.Equal(3, contents.GetArrayLength());
        var call = contents[1].GetProperty("parts")[0].GetProperty("functionCall");
        Assert.Equal("model", contents[1].GetProperty("role").GetString());
        Assert.Equal("lookup", call.GetProperty("name").GetString());
        Assert.Equal("x", call.GetProperty("args").GetProperty("q").GetString());
        Assert.False(contents[1].GetProperty("parts")[0].TryGetProperty("thoughtSignature", out _));
        var response = contents[2].GetProperty("parts")[0].GetProperty("functionResponse");
        Assert.Equal("user", contents[2].GetProperty("role").GetString());
        Assert.Equal("lookup", response.GetProperty("name").GetString());
        Assert.Equal(3, response.GetProperty("response").GetProperty("hits").GetInt32());
    }

    [Theory]
    [InlineData("\"18C\"", "18C")]
    [InlineData("\"[1,2]\"", "[1,2]")]
    [InlineData("\"{not json\"", "{not json")]
    [InlineData("[{\"type\":\"text\",\"text\":\"part \"},{\"type\":\"text\",\"text\":\"two\"}]", "part two")]
    public void Translate_ToolResultThatIsNotAnObject_WrapsInOutput(string content, string expectedOutput)
    {
        using var body = GeminiTestData.TranslateRequest($$$"""
            {"model":"m","messages":[
              {"role":"user","content":"q"},
              {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"c1","content":{{{content}}}}]}
            """);

        var response = body.RootElement.GetProperty("contents")[2].GetProperty("parts")[0].GetProperty("functionResponse").GetProperty("response");
        Assert.Equal(expectedOutput, response.GetProperty("output").GetString());
    }

    [Fact]
    public void Translate_ToolResultForUnknownCall_RefusesNamingToolCallId()
    {
        var error = Assert.Throws<InvalidRequestException>(() => GeminiTestData.TranslateRequest("""
            {"model":"m","messages":[
              {"role":"user","content":"q"},
              {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"c2","content":"x"}]}
            """));

        Assert.Equal("messages[2].tool_call_id", error.Param);
    }

    [Fact]
    public void Translate_ParallelToolResults_GroupIntoOneUserTurnWithFollowingText()
    {
        using var body = GeminiTestData.TranslateRequest("""
            {"model":"m","messages":[
              {"role":"user","content":"weather and time"},
              {"role":"assistant","tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                {"id":"call_2","type":"function","function":{"name":"get_time","arguments":""}}]},
              {"role":"tool","tool_call_id":"call_1","content":"18C"},
              {"role":"tool","tool_call_id":"call_2","content":"10:00"},
              {"role":"user","content":"thanks"}]}
            """);

        var contents = body.RootElement.GetProperty("contents");
        Assert.Equal(3, contents.GetArrayLength());
        var calls = contents[1].GetProperty("parts");
        Assert.Equal("{}", calls[1].GetProperty("functionCall").GetProperty("args").GetRawText());
        var results = contents[2].GetProperty("parts").EnumerateArray().ToList();
        Assert.Equal(3, results.Count);
        Assert.Equal("get_weather", results[0].GetProperty("functionResponse").GetProperty("name").GetString());
        Assert.Equal("get_time", results[1].GetProperty("functionResponse").GetProperty("name").GetString());
        Assert.Equal("thanks", results[2].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1]")]
    public void Translate_ToolCallArgumentsNotAnObject_RefusesNamingArguments(string arguments)
    {
        var error = Assert.Throws<InvalidRequestException>(() => GeminiTestData.TranslateRequest($$$"""
            {"model":"m","messages":[{"role":"user","content":"q"},
              {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":{{{JsonSerializer.Serialize(arguments)}}}}}]}]}
            """));

        Assert.Equal("messages[1].tool_calls[0].function.arguments", error.Param);
    }

    [Fact]
    public void Translate_DataUrlImage_BecomesInlineData()
    {
        using var body = GeminiTestData.TranslateRequest("""
            {"model":"m","messages":[{"role":"user","content":[
              {"type":"text","text":"What is this?"},
              {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}
            """);

        var parts = body.RootElement.GetProperty("contents")[0].GetProperty("parts");
        Assert.Equal("What is this?", parts[0].GetProperty("text").GetString());
        var inline = parts[1].GetProperty("inlineData");
        Assert.Equal("image/png", inline.GetProperty("mimeType").GetString());
        Assert.Equal("iVBORw0KGgo=", inline.GetProperty("data").GetString());
    }

    [Theory]
    [InlineData("https://example.com/cat.png", "image/png")]
    [InlineData("https://example.com/cat.WEBP?size=large#top", "image/webp")]
    [InlineData("http://example.com/photo", "image/jpeg")]
    [InlineData("https://example.com/v1.2/photo", "image/jpeg")]
    [InlineData("gs://bucket/report.pdf", "application/pdf")]
    public void Translate_RemoteImage_BecomesFileDataWithGuessedMimeType(string url, string mimeType)
    {
        using var body = GeminiTestData.TranslateRequest($$$"""
            {"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"{{{url}}}"}}]}]}
            """);

        var file = body.RootElement.GetProperty("contents")[0].GetProperty("parts")[0].GetProperty("fileData");
        Assert.Equal(mimeType, file.GetProperty("mimeType").GetString());
        Assert.Equal(url, file.GetProperty("fileUri").GetString());
    }

    [Theory]
    [InlineData("ftp://example.com/a.png")]
    [InlineData("data:image/png,rawbytes")]
    public void Translate_UnsupportedImageUrl_RefusesNamingUrl(string url)
    {
        var error = Assert.Throws<InvalidRequestException>(() => GeminiTestData.TranslateRequest($$$"""
            {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"x"},{"type":"image_url","image_url":{"url":"{{{url}}}"}}]}]}
            """));

        Assert.Equal("messages[0].content[1].image_url.url", error.Param);
    }

    [Fact]
    public void Translate_Tools_DropStrictAndUnsupportedKeywordsAndOmitEmptyParameters()
    {
        using var body = GeminiTestData.TranslateRequest($$$$$"""
            {"model":"m","messages":[{{{{{Hi}}}}}],"tools":[
              {"type":"function","function":{"name":"get_weather","description":"Weather","strict":true,"parameters":
                {"type":"object","additionalProperties":false,"properties":{
                  "city":{"type":"string"},
                  "strict":{"type":"object","additionalProperties":false,"properties":{"on":{"type":"boolean"}}}},
                 "required":["city"]}}},
              {"type":"function","function":{"name":"ping","parameters":{"type":"object","properties":{}}}},
              {"type":"function","function":{"name":"now"}}]}
            """);

        var declarations = body.RootElement.GetProperty("tools")[0].GetProperty("functionDeclarations");
        Assert.Equal(3, declarations.GetArrayLength());
        var weather = declarations[0];
        Assert.Equal("get_weather", weather.GetProperty("name").GetString());
        Assert.Equal("Weather", weather.GetProperty("description").GetString());
        Assert.False(weather.TryGetProperty("strict", out _));
        Assert.Equal(
            """{"type":"object","properties":{"city":{"type":"string"},"strict":{"type":"object","properties":{"on":{"type":"boolean"}}}},"required":["city"]}""",
            weather.GetProperty("parameters").GetRawText());
        Assert.False(declarations[1].TryGetProperty("parameters", out _));
        Assert.False(declarations[2].TryGetProperty("parameters", out _));
    }

    [Theory]
    [InlineData("\"auto\"", "AUTO", null)]
    [InlineData("\"none\"", "NONE", null)]
    [InlineData("\"required\"", "ANY", null)]
    [InlineData("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}", "ANY", "get_weather")]
    public void Translate_ToolChoice_MapsToFunctionCallingConfig(string toolChoice, string mode, string? allowedName)
    {
        using var body = GeminiTestData.TranslateRequest($$$$$$"""
            {"model":"m","messages":[{{{{{{Hi}}}}}}],"tool_choice":{{{{{{toolChoice}}}}}},
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}
            """);

        var config = body.RootElement.GetProperty("toolConfig").GetProperty("functionCallingConfig");
        Assert.Equal(mode, config.GetProperty("mode").GetString());
        if (allowedName is null)
        {
            Assert.False(config.TryGetProperty("allowedFunctionNames", out _));
        }
        else
        {
            Assert.Equal(allowedName, Assert.Single(config.GetProperty("allowedFunctionNames").EnumerateArray()).GetString());
        }
    }

    [Fact]
    public void Translate_UserAndParallelToolCalls_AreDropped()
    {
        using var body = GeminiTestData.TranslateRequest($$$"""
            {"model":"m","messages":[{{{Hi}}}],"user":"u-1","parallel_tool_calls":false,
             "tools":[{"type":"function","function":{"name":"f"}}]}
            """);

        var names = body.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["contents", "tools"], names);
    }

    [Fact]
    public void Translate_LogprobsRequested_RefusesRatherThanDropping()
    {
        var error = Assert.Throws<InvalidRequestException>(
            () => GeminiTestData.TranslateRequest($$"""{"model":"m","messages":[{{Hi}}],"logprobs":true}"""));

        Assert.Equal("logprobs", error.Param);
    }

    [Fact]
    public void Translate_NonFunctionTool_RefusesNamingType()
    {
        var error = Assert.Throws<InvalidRequestException>(
            () => GeminiTestData.TranslateRequest($$"""{"model":"m","messages":[{{Hi}}],"tools":[{"type":"web_search"}]}"""));

        Assert.Equal("tools[0].type", error.Param);
    }

    [Fact]
    public void Translate_AudioInput_BecomesInlineData()
    {
        using var body = GeminiTestData.TranslateRequest("""
            {"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]}]}
            """);

        var inline = body.RootElement.GetProperty("contents")[0].GetProperty("parts")[0].GetProperty("inlineData");
        Assert.Equal("audio/wav", inline.GetProperty("mimeType").GetString());
        Assert.Equal("UklGRg==", inline.GetProperty("data").GetString());
    }

    [Fact]
    public void Translate_QuotesHtmlCharactersAndNonAscii_AreSentUnescaped()
    {
        using var body = GeminiTestData.TranslateRequest("""{"model":"m","messages":[{"role":"user","content":"Grüße \"hi\" <b> & 'x' 日本"}]}""");

        Assert.Equal("""[{"role":"user","parts":[{"text":"Grüße \"hi\" <b> & 'x' 日本"}]}]""", body.RootElement.GetProperty("contents").GetRawText());
    }
}
