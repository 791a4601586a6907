using System.Buffers;
using System.Text;
using LlmRouter.Protocols.Anthropic;

namespace LlmRouter.Tests.Protocols.Anthropic;

public sealed class AnthropicPassThroughTests
{
    private static readonly byte[] Stream = Encoding.UTF8.GetBytes(string.Concat(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":90,\"output_tokens\":1}}}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n",
        "event: ping\ndata: {\"type\": \"ping\"}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Grüße 😀\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: future_event\ndata: {\"type\":\"future_event\",\"x\":[1,2]}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":33}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));

    [Theory]
    [InlineData("""{"model":"claude","max_tokens":5}""", """{"model":"claude-sonnet-4-5","max_tokens":5}""")]
    [InlineData("""{ "max_tokens" : 5 , "model" :"x", "messages":[{"model":"inner"}] }""", """{ "max_tokens" : 5 , "model" :"claude-sonnet-4-5", "messages":[{"model":"inner"}] }""")]
    [InlineData("""{"model":"a\u00e9","system":"k\u00e9ep \"this\""}""", """{"model":"claude-sonnet-4-5","system":"k\u00e9ep \"this\""}""")]
    public void ReplaceModel_ChangesOnlyTheTopLevelModel(string body, string expected)
        => Assert.Equal(expected, Encoding.UTF8.GetString(AnthropicPassThrough.ReplaceModel(Encoding.UTF8.GetBytes(body), "claude-sonnet-4-5")));

    [Fact]
    public void ReadResponse_ReadsUsageWithoutChangingTheBody()
    {
        var body = Encoding.UTF8.GetBytes("""{"id":"msg_1","type":"message","model":"claude-sonnet-4-5","content":[],"stop_reason":"tool_use","usage":{"input_tokens":10,"cache_read_input_tokens":5,"output_tokens":3}}""");

        var response = AnthropicPassThrough.ReadResponse(body);

        Assert.Equal(body, response.Body.ToArray());
        Assert.Equal(15, response.Usage!.Value.PromptTokens);
        Assert.Equal(3, response.Usage.Value.CompletionTokens);
        Assert.Equal("claude-sonnet-4-5", response.ResponseModel);
        Assert.Equal("tool_calls", response.FinishReason);
    }

    [Fact]
    public void Stream_RandomReadSplits_CopyEveryEventUnchanged()
    {
        var random = new Random(1202);
        for (var pattern = 0; pattern < 200; pattern++)
        {
            using var translator = new AnthropicPassThroughStreamTranslator();
            var output = new ArrayBufferWriter<byte>();
            var offset = 0;
            while (offset < Stream.Length)
            {
                var length = Math.Min(Stream.Length - offset, random.Next(1, 12));
                translator.Translate(Stream.AsSpan(offset, length), output);
                offset += length;
            }

            translator.Complete(output);

            Assert.Equal(Stream, output.WrittenSpan.ToArray());
            Assert.Null(translator.Error);
            Assert.Equal(100, translator.Usage!.Value.PromptTokens);
            Assert.Equal(33, translator.Usage.Value.CompletionTokens);
            Assert.Equal("length", translator.FinishReason);
            Assert.Equal("claude-sonnet-4-5", translator.ResponseModel);
        }
    }

    [Fact]
    public void Stream_HasContentAtTheFirstContentBlockDelta()
    {
        using var translator = new AnthropicPassThroughStreamTranslator();
        var output = new ArrayBufferWriter<byte>();
        var firstDelta = Stream.AsSpan().IndexOf("event: content_block_delta"u8);

        translator.Translate(Stream.AsSpan(0, firstDelta), output);
        Assert.False(translator.HasContent);

        translator.Translate(Stream.AsSpan(firstDelta), output);
        Assert.True(translator.HasContent);
    }

    [Fact]
    public void Stream_ToolUseStart_IsTheFirstToken()
    {
        using var translator = new AnthropicPassThroughStreamTranslator();

        translator.Translate("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\",\"input\":{}}}\n\n"u8, new ArrayBufferWriter<byte>());

        Assert.True(translator.HasContent);
    }

    [Fact]
    public void Stream_ErrorEvent_IsCopiedAndEndsTheStreamAsFailed()
    {
        using var translator = new AnthropicPassThroughStreamTranslator();
        var output = new ArrayBufferWriter<byte>();
        var error = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"u8;

        translator.Translate(error, output);

        Assert.Equal(error.ToArray(), output.WrittenSpan.ToArray());
        Assert.Equal(503, translator.Error!.StatusCode);
    }

    [Fact]
    public void Stream_EndsWithoutMessageStop_WritesAnAnthropicErrorEvent()
    {
        using var translator = new AnthropicPassThroughStreamTranslator();
        var output = new ArrayBufferWriter<byte>();
        var cut = Stream.AsSpan().IndexOf("event: message_delta"u8);
        translator.Translate(Stream.AsSpan(0, cut), output);

        translator.Complete(output);

        var events = AnthropicTestEvents.Parse(output.WrittenSpan.ToArray());
        Assert.Equal("error", events[^1].Name);
        Assert.Equal("api_error", events[^1].Data.GetProperty("error").GetProperty("type").GetString());
        Assert.NotNull(translator.Error);
    }
}
