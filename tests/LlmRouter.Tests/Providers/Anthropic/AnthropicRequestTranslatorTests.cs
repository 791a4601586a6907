using System.Text.Json;
using LlmRouter.Chat;
using LlmRouter.Providers.Anthropic;
using static LlmRouter.Tests.Providers.Anthropic.AnthropicTestData;

namespace LlmRouter.Tests.Providers.Anthropic;

public sealed class AnthropicRequestTranslatorTests
{
    [Fact]
    public void Translate_SystemMessage_HoistsAndDefaultsMaxTokens()
    {
        var body = Upstream("""{"model":"m","messages":[{"role":"system","content":"Be brief"},{"role":"user","content":"Hi"}]}""");

        Assert.Equal("claude-sonnet-4-5", body.GetProperty("model").GetString());
        Assert.Equal(4096, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal("""[{"type":"text","text":"Be brief"}]""", body.GetProperty("system").GetRawText());
        Assert.Equal("""[{"role":"user","content":[{"type":"text","text":"Hi"}]}]""", body.GetProperty("messages").GetRawText());
        Assert.False(body.TryGetProperty("temperature", out _));
        Assert.False(body.TryGetProperty("stream", out _));
        Assert.False(body.TryGetProperty("tools", out _));
    }

    [Fact]
    public void Translate_DefaultMaxTokens_ComesFromDeployment()
    {
        var body = Upstream("""{"model":"m","messages":[{"role":"user","content":"Hi"}]}""", Deployment(defaultMaxTokens: 777));

        Assert.Equal(777, body.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public void Translate_SystemAndDeveloperAnywhere_HoistedInOrder()
    {
        var body = Upstream("""
            {"model":"m","messages":[
              {"role":"developer","content":[{"type":"text","text":"one"},{"type":"text","text":"  "}]},
              {"role":"user","content":"Hi"},
              {"role":"system","content":"two"},
              {"role":"user","content":"again"}]}
            """);

        Assert.Equal("""[{"type":"text","text":"one"},{"type":"text","text":"two"}]""", body.GetProperty("system").GetRawText());
        Assert.Equal("""[{"role":"user","content":[{"type":"text","text":"Hi"},{"type":"text","text":"again"}]}]""", body.GetProperty("messages").GetRawText());
    }

    [Fact]
    public void Translate_MaxCompletionTokens_WinsOverMaxTokens()
    {
        var body = Upstream("""{"model":"m","max_tokens":100,"max_completion_tokens":200,"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(200, body.GetProperty("max_tokens").GetInt32());
    }

    [Theory]
    [InlineData(1.7, 1.0)]
    [InlineData(2.0, 1.0)]
    [InlineData(0.5, 0.5)]
    [InlineData(0.0, 0.0)]
    public void Translate_Temperature_ClampedToOne(double input, double expected)
    {
        var body = Upstream($$"""{"model":"m","temperature":{{input}},"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(expected, body.GetProperty("temperature").GetDouble());
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Translate_TemperatureAndTopP_DropsTopPOnOneOnlyModels(bool temperatureOrTopPOnly, bool expectTopP)
    {
        var body = Upstream("""{"model":"m","temperature":0.2,"top_p":0.9,"messages":[{"role":"user","content":"Hi"}]}""", Deployment(temperatureOrTopPOnly));

        Assert.Equal(0.2, body.GetProperty("temperature").GetDouble());
        Assert.Equal(expectTopP, body.TryGetProperty("top_p", out _));
    }

    [Fact]
    public void Translate_TopPAlone_IsKept()
    {
        var body = Upstream("""{"model":"m","top_p":0.9,"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(0.9, body.GetProperty("top_p").GetDouble());
    }

    [Fact]
    public void Translate_ConsecutiveSameRoles_MergedIntoAlternatingTurns()
    {
        var body = Upstream("""
            {"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},
              {"role":"assistant","content":"c"},{"role":"assistant","content":"d"},{"role":"user","content":"e"}]}
            """);

        Assert.Equal(
            """[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},""" +
            """{"role":"assistant","content":[{"type":"text","text":"c"},{"type":"text","text":"d"}]},""" +
            """{"role":"user","content":[{"type":"text","text":"e"}]}]""",
            body.GetProperty("messages").GetRawText());
    }

    [Fact]
    public void Translate_ParallelToolResults_GroupsIntoOneUserMessageResultsFirst()
    {
        var body = Upstream("""
            {"model":"m","messages":[
              {"role":"user","content":"weather and time?"},
              {"role":"assistant","content":null,"tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                {"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"18C"},
              {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"10:00"}]},
              {"role":"user","content":"thanks"}]}
            """);

        var messages = body.GetProperty("messages");
        Assert.Equal(3, messages.GetArrayLength());
        Assert.Equal(
            """{"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},""" +
            """{"type":"tool_use","id":"call_2","name":"get_time","input":{}}]}""",
            messages[1].GetRawText());
        Assert.Equal(
            """{"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"18C"},""" +
            """{"type":"tool_result","tool_use_id":"call_2","content":[{"type":"text","text":"10:00"}]},{"type":"text","text":"thanks"}]}""",
            messages[2].GetRawText());

        // No tools were declared: the history's tools are declared minimally and cannot be called.
        Assert.Equal(
            """[{"name":"get_weather","input_schema":{"type":"object","properties":{}}},{"name":"get_time","input_schema":{"type":"object","properties":{}}}]""",
            body.GetProperty("tools").GetRawText());
        Assert.Equal("""{"type":"none"}""", body.GetProperty("tool_choice").GetRawText());
    }

    [Fact]
    public void Translate_UserTextBeforeToolResults_ResultsStillFirst()
    {
        var body = Upstream("""
            {"model":"m","tools":[{"type":"function","function":{"name":"f"}}],"messages":[
              {"role":"user","content":"go"},
              {"role":"assistant","tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":""}}]},
              {"role":"user","content":"note"},
              {"role":"tool","tool_call_id":"t1","content":"ok"}]}
            """);

        Assert.Equal(
            """{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"},{"type":"text","text":"note"}]}""",
            body.GetProperty("messages")[2].GetRawText());
    }

    [Fact]
    public void Translate_EmptyArgumentsAndEmptyAssistant_InputIsEmptyObjectAndMessageDropped()
    {
        var body = Upstream("""
            {"model":"m","messages":[
              {"role":"user","content":"ping it"},
              {"role":"assistant","content":"","tool_calls":[{"id":"call_p","type":"function","function":{"name":"ping","arguments":""}}]},
              {"role":"tool","tool_call_id":"call_p","content":"pong"},
              {"role":"assistant","content":""},
              {"role":"user","content":"  "},
              {"role":"user","content":[{"type":"text","text":""},{"type":"text","text":"next"}]}]}
            """);

        var messages = body.GetProperty("messages");
        Assert.Equal(3, messages.GetArrayLength());
        Assert.Equal("""{"role":"assistant","content":[{"type":"tool_use","id":"call_p","name":"ping","input":{}}]}""", messages[1].GetRawText());
        Assert.Equal(
            """{"role":"user","content":[{"type":"tool_result","tool_use_id":"call_p","content":"pong"},{"type":"text","text":"next"}]}""",
            messages[2].GetRawText());
        Assert.DoesNotContain("\"text\":\"\"", body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_EmptyAssistantBetweenUsers_UsersMerged()
    {
        var body = Upstream("""
            {"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":null},{"role":"user","content":"b"}]}
            """);

        Assert.Equal("""[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]""", body.GetProperty("messages").GetRawText());
    }

    [Theory]
    [InlineData("\"{not json\"")]
    [InlineData("\"[1,2]\"")]
    [InlineData("\"{} {}\"")]
    public void Translate_InvalidToolArguments_Throws(string arguments)
    {
        using var request = Request($$$"""
            {"model":"m","messages":[{"role":"user","content":"x"},
              {"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":{{{arguments}}}}}]}]}
            """);

        var error = Assert.Throws<InvalidRequestException>(() => Adapter().CreateRequest(request, Deployment()));
        Assert.StartsWith("messages[1].tool_calls[0].function.arguments", error.Param, StringComparison.Ordinal);
        Assert.Equal(400, error.StatusCode);
    }

    [Fact]
    public void Translate_DataUrlImage_BecomesBase64Source()
    {
        var body = Upstream("""
            {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what is this"},
              {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"high"}}]}]}
            """);

        Assert.Equal(
            """[{"type":"text","text":"what is this"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]""",
            body.GetProperty("messages")[0].GetProperty("content").GetRawText());
    }

    [Fact]
    public void Translate_HttpsImage_BecomesUrlSource()
    {
        var body = Upstream("""
            {"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]}
            """);

        Assert.Equal(
            """[{"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]""",
            body.GetProperty("messages")[0].GetProperty("content").GetRawText());
    }

    [Theory]
    [InlineData("data:image/bmp;base64,Qk0=")]
    [InlineData("data:application/pdf;base64,JVBE")]
    [InlineData("data:image/png,rawbytes")]
    [InlineData("ftp://example.com/cat.png")]
    public void Translate_UnsupportedImage_ThrowsNamingThePart(string url)
    {
        using var request = Request($$$"""
            {"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"x"},
              {"type":"image_url","image_url":{"url":"{{{url}}}"}}]}]}
            """);

        var error = Assert.Throws<InvalidRequestException>(() => Adapter().CreateRequest(request, Deployment()));
        Assert.Equal("messages[1].content[1].image_url", error.Param);
    }

    [Fact]
    public void Translate_NGreaterThanOne_ThrowsNamingN()
    {
        using var request = Request("""{"model":"m","n":2,"messages":[{"role":"user","content":"Hi"}]}""");

        var error = Assert.Throws<InvalidRequestException>(() => Adapter().CreateRequest(request, Deployment()));
        Assert.Equal("n", error.Param);
        Assert.Equal(400, error.StatusCode);
    }

    [Fact]
    public void Parse_StreamOptionsWithoutStream_Throws()
    {
        var error = Assert.Throws<InvalidRequestException>(() => Request(
            """{"model":"m","stream":false,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}"""));

        Assert.Equal("stream_options", error.Param);
        Assert.Equal("The 'stream_options' parameter is only allowed when 'stream' is enabled.", error.Message);
    }

    [Fact]
    public void Translate_Stream_SetsStreamAndDropsStreamOptions()
    {
        var body = Upstream("""{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.False(body.TryGetProperty("stream_options", out _));
    }

    [Fact]
    public void Translate_Stop_DropsWhitespaceOnlySequences()
    {
        var body = Upstream("""{"model":"m","stop":["END"," ","\n","STOP"],"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal("""["END","STOP"]""", body.GetProperty("stop_sequences").GetRawText());
    }

    [Fact]
    public void Translate_OnlyWhitespaceStop_OmitsStopSequences()
    {
        var body = Upstream("""{"model":"m","stop":" ","messages":[{"role":"user","content":"Hi"}]}""");

        Assert.False(body.TryGetProperty("stop_sequences", out _));
    }

    [Fact]
    public void Translate_Tools_BecomeInputSchemas()
    {
        var body = Upstream("""
            {"model":"m","messages":[{"role":"user","content":"Hi"}],"tools":[
              {"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}},
              {"type":"function","function":{"name":"now"}}]}
            """);

        Assert.Equal(
            """[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},""" +
            """{"name":"now","input_schema":{"type":"object","properties":{}}}]""",
            body.GetProperty("tools").GetRawText());
        Assert.False(body.TryGetProperty("tool_choice", out _));
    }

    [Fact]
    public void Translate_NonFunctionTool_Throws()
    {
        using var request = Request("""{"model":"m","messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"custom","custom":{"name":"x"}}]}""");

        var error = Assert.Throws<InvalidRequestException>(() => Adapter().CreateRequest(request, Deployment()));
        Assert.Equal("tools[0]", error.Param);
    }

    [Theory]
    [InlineData("\"auto\"", null, """{"type":"auto"}""")]
    [InlineData("\"required\"", null, """{"type":"any"}""")]
    [InlineData("\"none\"", null, """{"type":"none"}""")]
    [InlineData("""{"type":"function","function":{"name":"f"}}""", null, """{"type":"tool","name":"f"}""")]
    [InlineData("\"auto\"", "false", """{"type":"auto","disable_parallel_tool_use":true}""")]
    [InlineData("\"required\"", "false", """{"type":"any","disable_parallel_tool_use":true}""")]
    [InlineData("\"none\"", "false", """{"type":"none"}""")]
    [InlineData(null, "false", """{"type":"auto","disable_parallel_tool_use":true}""")]
    [InlineData(null, "true", null)]
    public void Translate_ToolChoice_MapsToAnthropic(string? toolChoice, string? parallel, string? expected)
    {
        var extra = (toolChoice is null ? "" : $",\"tool_choice\":{toolChoice}") + (parallel is null ? "" : $",\"parallel_tool_calls\":{parallel}");
        var body = Upstream($$$"""{"model":"m","messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"function","function":{"name":"f"}}]{{{extra}}}}""");

        if (expected is null)
        {
            Assert.False(body.TryGetProperty("tool_choice", out _));
        }
        else
        {
            Assert.Equal(expected, body.GetProperty("tool_choice").GetRawText());
        }
    }

    [Fact]
    public void Translate_ToolChoiceWithoutTools_IsDropped()
    {
        var body = Upstream("""{"model":"m","messages":[{"role":"user","content":"Hi"}],"tool_choice":"auto","parallel_tool_calls":false}""");

        Assert.False(body.TryGetProperty("tool_choice", out _));
        Assert.False(body.TryGetProperty("tools", out _));
    }

    [Fact]
    public void Translate_JsonSchemaResponseFormat_ForcesSyntheticTool()
    {
        var body = Upstream("""
            {"model":"m","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"answer",
              "schema":{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}}}}
            """);

        var tool = Assert.Single(body.GetProperty("tools").EnumerateArray());
        Assert.Equal(AnthropicRequestTranslator.JsonToolName, tool.GetProperty("name").GetString());
        Assert.Equal("""{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}""", tool.GetProperty("input_schema").GetRawText());
        Assert.Equal("""{"type":"tool","name":"json_tool_call"}""", body.GetProperty("tool_choice").GetRawText());
    }

    [Fact]
    public void Translate_JsonObjectResponseFormat_UsesOpenObjectSchema()
    {
        var body = Upstream("""{"model":"m","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_object"}}""");

        var tool = Assert.Single(body.GetProperty("tools").EnumerateArray());
        Assert.Equal("object", tool.GetProperty("input_schema").GetProperty("type").GetString());
        Assert.Equal("""{"type":"tool","name":"json_tool_call"}""", body.GetProperty("tool_choice").GetRawText());
    }

    [Fact]
    public void Translate_TextResponseFormat_AddsNothing()
    {
        var body = Upstream("""{"model":"m","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"text"}}""");

        Assert.False(body.TryGetProperty("tools", out _));
    }

    [Fact]
    public void Translate_JsonFormatWithClientTools_AppendsToolWithoutForcingIt()
    {
        var body = Upstream("""
            {"model":"m","messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"response_format":{"type":"json_object"}}
            """);

        var tools = body.GetProperty("tools");
        Assert.Equal(2, tools.GetArrayLength());
        Assert.Equal("f", tools[0].GetProperty("name").GetString());
        Assert.Equal(AnthropicRequestTranslator.JsonToolName, tools[1].GetProperty("name").GetString());
        Assert.False(body.TryGetProperty("tool_choice", out _));
    }

    [Theory]
    [InlineData("user-123", "user-123")]
    [InlineData("d41d8cd98f00b204", "d41d8cd98f00b204")]
    [InlineData("jane.doe@example.com", null)]
    [InlineData("", null)]
    public void Translate_User_BecomesMetadataUnlessEmail(string user, string? expected)
    {
        var body = Upstream($$"""{"model":"m","user":"{{user}}","messages":[{"role":"user","content":"Hi"}]}""");

        if (expected is null)
        {
            Assert.False(body.TryGetProperty("metadata", out _));
        }
        else
        {
            Assert.Equal(expected, body.GetProperty("metadata").GetProperty("user_id").GetString());
        }
    }

    [Fact]
    public void Translate_FinalAssistantPrefill_TrailingWhitespaceTrimmed()
    {
        var body = Upstream("""{"model":"m","messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"The answer is \n "}]}""");

        Assert.Equal("The answer is", body.GetProperty("messages")[1].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void Translate_UnsupportedOpenAIFields_AreDropped()
    {
        var body = Upstream("""
            {"model":"m","messages":[{"role":"user","content":"Hi"}],"seed":7,"logprobs":true,"top_logprobs":2,"logit_bias":{"50256":-100},
             "frequency_penalty":0.5,"presence_penalty":0.5,"metadata":{"category":"code"},"store":true,"reasoning_effort":"low"}
            """);

        var names = body.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["model", "max_tokens", "messages"], names);
    }

    [Fact]
    public void Translate_OnlySystemMessages_Throws()
    {
        using var request = Request("""{"model":"m","messages":[{"role":"system","content":"s"}]}""");

        var error = Assert.Throws<InvalidRequestException>(() => Adapter().CreateRequest(request, Deployment()));
        Assert.Equal("messages", error.Param);
    }

    [Theory]
    [InlineData("""{"role":"function","name":"f","content":"x"}""", "messages[1].role")]
    [InlineData("""{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"x","format":"wav"}}]}""", "messages[1].content[0].type")]
    public void Translate_UnsupportedMessageShapes_Throw(string message, string param)
    {
        using var request = Request($$"""{"model":"m","messages":[{"role":"user","content":"Hi"},{{message}}]}""");

        var error = Assert.Throws<InvalidRequestException>(() => Adapter().CreateRequest(request, Deployment()));
        Assert.Equal(param, error.Param);
    }

    [Fact]
    public void Translate_NonAsciiText_RoundTripsExactly()
    {
        var body = Upstream("""{"model":"m","messages":[{"role":"user","content":"café 😀 \"quoted\""}]}""");

        Assert.Equal("café 😀 \"quoted\"", body.GetProperty("messages")[0].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void Translate_QuotesHtmlCharactersAndNonAscii_AreSentUnescaped()
    {
        var body = Upstream("""{"model":"m","messages":[{"role":"user","content":"Grüße \"hi\" <b> & 'x' 日本"}]}""");

        Assert.Equal("""[{"role":"user","content":[{"type":"text","text":"Grüße \"hi\" <b> & 'x' 日本"}]}]""", body.GetProperty("messages").GetRawText());
    }
}
