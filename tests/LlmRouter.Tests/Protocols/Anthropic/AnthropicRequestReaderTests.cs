using System.Text;
using System.Text.Json;
using LlmRouter.Chat;
using LlmRouter.Protocols.Anthropic;
using LlmRouter.Protocols.OpenAI;

namespace LlmRouter.Tests.Protocols.Anthropic;

public sealed class AnthropicRequestReaderTests
{
    [Fact]
    public void Read_FullRequest_BecomesAnEquivalentChatRequest()
    {
        using var internalRequest = Parse("""
            {"model":"claude","max_tokens":300,"stream":true,"temperature":0.5,"top_p":0.9,"top_k":40,
             "system":[{"type":"text","text":"Be brief","cache_control":{"type":"ephemeral"}}],
             "stop_sequences":["END"],"metadata":{"user_id":"u-1"},
             "thinking":{"type":"enabled","budget_tokens":1024},
             "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true},
             "messages":[
               {"role":"user","content":"Weather in Paris?"},
               {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"sig"},{"type":"text","text":"Checking."},
                                              {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"18C"},{"type":"text","text":"And tomorrow?"},
                                         {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}}]}]}
            """, out var anthropic);

        Assert.Null(anthropic.Untranslatable);
        Assert.Equal("claude", internalRequest.Model);
        Assert.True(internalRequest.Stream);
        Assert.True(internalRequest.IncludeUsage);
        Assert.Equal(300, internalRequest.MaxTokens);
        Assert.Equal(0.5, internalRequest.Temperature);
        Assert.Equal(0.9, internalRequest.TopP);
        Assert.Equal(["END"], internalRequest.Stop);
        Assert.Equal("u-1", internalRequest.User);
        Assert.False(internalRequest.ParallelToolCalls);
        Assert.Equal("required", internalRequest.ToolChoice!.Value.GetString());
        var tool = internalRequest.Tools!.Value[0];
        Assert.Equal("function", tool.GetProperty("type").GetString());
        Assert.Equal("city", tool.GetProperty("function").GetProperty("parameters").GetProperty("properties").EnumerateObject().Single().Name);

        var messages = internalRequest.Messages.EnumerateArray().ToList();
        Assert.Equal(["system", "user", "assistant", "tool", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("Be brief", messages[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("Checking.", messages[2].GetProperty("content").GetString());
        var call = messages[2].GetProperty("tool_calls")[0];
        Assert.Equal("toolu_1", call.GetProperty("id").GetString());
        Assert.Equal("""{"city":"Paris"}""", call.GetProperty("function").GetProperty("arguments").GetString());
        Assert.Equal("toolu_1", messages[3].GetProperty("tool_call_id").GetString());
        Assert.Equal("18C", messages[3].GetProperty("content").GetString());
        Assert.Equal("And tomorrow?", messages[4].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("data:image/png;base64,iVBOR", messages[4].GetProperty("content")[1].GetProperty("image_url").GetProperty("url").GetString());

        // Dropped on purpose: no equivalent in the internal model.
        Assert.False(internalRequest.Root.TryGetProperty("thinking", out _));
        Assert.False(internalRequest.Root.TryGetProperty("top_k", out _));
    }

    [Theory]
    [InlineData("""{"type":"tool","name":"get_weather"}""", """{"type":"function","function":{"name":"get_weather"}}""")]
    [InlineData("""{"type":"auto"}""", "\"auto\"")]
    [InlineData("""{"type":"none"}""", "\"none\"")]
    public void Read_ToolChoice_MapsToOpenAIForm(string anthropic, string openAI)
    {
        using var request = Parse($$$"""
            {"model":"m","max_tokens":5,"tool_choice":{{{anthropic}}},"tools":[{"name":"get_weather","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"Hi"}]}
            """, out _);

        Assert.Equal(openAI, request.ToolChoice!.Value.GetRawText());
    }

    [Theory]
    [InlineData("""{"role":"user","content":[{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBE"}}]}""", "", "messages.0.content.0")]
    [InlineData("""{"role":"user","content":"Hi"}""", ""","tools":[{"type":"web_search_20250305","name":"web_search"}]""", "tools.0")]
    [InlineData("""{"role":"user","content":"Hi"}""", ""","stop_sequences":["a","b","c","d","e"]""", "stop_sequences")]
    [InlineData("""{"role":"user","content":"Hi"}""", ""","output_config":{"format":{"type":"xml"}}""", "output_config.format")]
    public void Read_AnthropicOnlyFeatures_AreMarkedUntranslatable(string message, string extra, string param)
    {
        using var request = Parse($$$"""{"model":"m","max_tokens":5{{{extra}}},"messages":[{{{message}}}]}""", out var anthropic);

        Assert.Equal(param, anthropic.Untranslatable);
    }

    [Theory]
    [InlineData("""{"max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""", "model")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"Hi"}]}""", "max_tokens")]
    [InlineData("""{"model":"m","max_tokens":-1,"messages":[{"role":"user","content":"Hi"}]}""", "max_tokens")]
    [InlineData("""{"model":"m","max_tokens":5}""", "messages")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"system","content":"Hi"}]}""", "messages.0.role")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user"}]}""", "messages.0.content")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"text":"no type"}]}]}""", "messages.0.content.0")]
    [InlineData("""{"model":"m","max_tokens":5,"temperature":2,"messages":[{"role":"user","content":"Hi"}]}""", "temperature")]
    [InlineData("""{"model":"m","max_tokens":5,"system":5,"messages":[{"role":"user","content":"Hi"}]}""", "system")]
    [InlineData("""{"model":"m","max_tokens":5,"tools":[{"name":"t"}],"messages":[{"role":"user","content":"Hi"}]}""", "tools.0.input_schema")]
    [InlineData("""{"model":"m","max_tokens":5,"tool_choice":{"type":"maybe"},"tools":[{"name":"t","input_schema":{}}],"messages":[{"role":"user","content":"Hi"}]}""", "tool_choice.type")]
    public void Read_InvalidRequest_Throws400NamingTheParameter(string body, string param)
    {
        var ex = Assert.Throws<InvalidRequestException>(() => AnthropicRequestReader.Read(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(400, ex.StatusCode);
        Assert.Equal(param, ex.Param);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[1]")]
    public void Read_NotAJsonObject_Throws400(string body)
    {
        var ex = Assert.Throws<InvalidRequestException>(() => AnthropicRequestReader.Read(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(400, ex.StatusCode);
    }

    [Theory]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"\ud800"}]}]}""")]
    [InlineData("""{"model":"\udc00","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""")]
    public void Read_LoneSurrogateEscape_Throws400(string body)
        => Assert.Equal(400, Assert.Throws<InvalidRequestException>(() => AnthropicRequestReader.Read(Encoding.UTF8.GetBytes(body))).StatusCode);

    [Fact]
    public void Read_SchemaNestedDeeperThanTheWriterDefault_IsTranslated()
    {
        var schema = string.Concat(Enumerable.Repeat("{\"a\":", 80)) + "1" + new string('}', 80);
        var body = $$"""{"model":"m","max_tokens":5,"tools":[{"name":"t","input_schema":{{schema}}}],"messages":[{"role":"user","content":"Hi"}]}""";

        var request = AnthropicRequestReader.Read(Encoding.UTF8.GetBytes(body));

        Assert.Contains(schema, Encoding.UTF8.GetString(request.InternalBody), StringComparison.Ordinal);
        Assert.Contains("\"model\":\"x\"", Encoding.UTF8.GetString(AnthropicPassThrough.ReplaceModel(Encoding.UTF8.GetBytes(body), "x")), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_InvalidUtf8_Throws400()
        => Assert.Throws<InvalidRequestException>(() => AnthropicRequestReader.Read(new byte[] { (byte)'{', 0xC3, 0x28, (byte)'}' }));

    [Fact]
    public void Read_CountTokensBody_NeedsNoMaxTokens()
    {
        var request = AnthropicRequestReader.Read(Encoding.UTF8.GetBytes("""{"model":"m","messages":[{"role":"user","content":"Hi"}]}"""), countTokens: true);

        using var parsed = ChatRequestParser.Parse(request.InternalBody);
        Assert.Equal("m", parsed.Model);
    }

    [Fact]
    public void Read_KeepsTheClientBodyUntouched()
    {
        var body = Encoding.UTF8.GetBytes("""{ "model" : "m", "max_tokens":5, "messages":[{"role":"user","content":"Hi"}], "x-future": {"a": 1} }""");

        var request = AnthropicRequestReader.Read(body);

        Assert.Equal(body, request.Body.ToArray());
    }

    private static ChatRequest Parse(string body, out AnthropicRequest anthropic)
    {
        anthropic = AnthropicRequestReader.Read(Encoding.UTF8.GetBytes(body));
        return ChatRequestParser.Parse(anthropic.InternalBody);
    }
}
