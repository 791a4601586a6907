using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace LlmRouter.IntegrationTests.Infrastructure;

/// <summary>WireMock stubs in the providers' real wire formats (wire-formats.md sections 2 and 3).</summary>
public static class ProviderFakes
{
    public const string AnthropicText = """
        {"id":"msg_01AbC","type":"message","role":"assistant","model":"claude-sonnet-4-5",
         "content":[{"type":"text","text":"Bonjour from Claude"}],
         "stop_reason":"end_turn","stop_sequence":null,
         "usage":{"input_tokens":25,"output_tokens":4,"cache_creation_input_tokens":0,"cache_read_input_tokens":10}}
        """;

    public const string AnthropicToolUse = """
        {"id":"msg_01Tool","type":"message","role":"assistant","model":"claude-sonnet-4-5",
         "content":[{"type":"text","text":"Let me check."},{"type":"tool_use","id":"toolu_01XyZ","name":"get_weather","input":{"city":"Paris"}}],
         "stop_reason":"tool_use","stop_sequence":null,
         "usage":{"input_tokens":40,"output_tokens":18}}
        """;

    public static string AnthropicTextStream(params string[] deltas)
    {
        var events = new List<string>
        {
            Event("message_start", """{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}"""),
            Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
            Event("ping", """{"type":"ping"}"""),
        };
        events.AddRange(deltas.Select(d => Event("content_block_delta", $$$"""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"{{{d}}}"}}""")));
        events.Add(Event("content_block_stop", """{"type":"content_block_stop","index":0}"""));
        events.Add(Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":7}}"""));
        events.Add(Event("message_stop", """{"type":"message_stop"}"""));
        return string.Concat(events);
    }

    public static readonly string AnthropicToolStream = string.Concat(
        Event("message_start", """{"type":"message_start","message":{"id":"msg_02","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":30,"output_tokens":1}}}"""),
        Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}}"""),
        Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}}"""),
        Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Par"}}"""),
        Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"is\"}"}}"""),
        Event("content_block_stop", """{"type":"content_block_stop","index":0}"""),
        Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":12}}"""),
        Event("message_stop", """{"type":"message_stop"}"""));

    public static readonly string AnthropicMidStreamError = string.Concat(
        Event("message_start", """{"type":"message_start","message":{"id":"msg_03","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}"""),
        Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
        Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Partial "}}"""),
        Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"answer"}}"""),
        Event("error", """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"""));

    public const string GeminiText = """
        {"candidates":[{"content":{"role":"model","parts":[{"text":"Hola from Gemini"}]},"finishReason":"STOP","index":0}],
         "usageMetadata":{"promptTokenCount":20,"candidatesTokenCount":4,"totalTokenCount":24},
         "modelVersion":"gemini-2.5-flash","responseId":"resp123"}
        """;

    public const string GeminiToolCall = """
        {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]},"finishReason":"STOP","index":0}],
         "usageMetadata":{"promptTokenCount":30,"candidatesTokenCount":8,"totalTokenCount":38},
         "modelVersion":"gemini-2.5-flash","responseId":"resp124"}
        """;

    public static readonly string GeminiTextStream = string.Concat(
        "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hola \"}]},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":20,\"candidatesTokenCount\":1,\"totalTokenCount\":21},\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n",
        "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"café 😀\"}]},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":20,\"candidatesTokenCount\":3,\"totalTokenCount\":23},\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n");

    public static readonly string GeminiToolStream = string.Concat(
        "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"One sec\"}]},\"index\":0}],\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n",
        "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}}}]},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":30,\"candidatesTokenCount\":8,\"totalTokenCount\":38},\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n");

    /// <summary>A Gemini stream cut by the upstream: text arrives, then the body ends without a finish reason.</summary>
    public static readonly string GeminiTruncatedStream =
        "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Partial \"}]},\"index\":0}],\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n";

    public const string AnthropicRateLimited = """{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"},"request_id":"req_011"}""";

    public const string GeminiRateLimited = """
        {"error":{"code":429,"message":"You exceeded your current quota. Please retry in 32.5s.","status":"RESOURCE_EXHAUSTED",
          "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"32.5s"}]}}
        """;

    /// <summary>An upstream answer: the status, an SSE or JSON content type, any extra headers, and the body.</summary>
    public static IResponseBuilder Answer(string body, bool stream = false, int status = 200, params (string Name, string Value)[] headers)
    {
        var response = Response.Create().WithStatusCode(status)
            .WithHeader("Content-Type", stream ? "text/event-stream" : "application/json")
            .WithBody(body);
        foreach (var (name, value) in headers)
        {
            response = response.WithHeader(name, value);
        }

        return response;
    }

    /// <summary>Answers every OpenAI <c>POST /v1/chat/completions</c> with <paramref name="response"/>.</summary>
    public static void StubOpenAI(WireMockServer server, IResponseBuilder response)
        => server.Given(Request.Create().WithPath("/v1/chat/completions").UsingPost()).RespondWith(response);

    public static void StubOpenAI(WireMockServer server, string body, bool stream = false, int status = 200, params (string Name, string Value)[] headers)
        => StubOpenAI(server, Answer(body, stream, status, headers));

    public static void StubAnthropic(WireMockServer server, string body, bool stream = false, int status = 200, params (string Name, string Value)[] headers)
        => server.Given(Request.Create().WithPath("/v1/messages").UsingPost()).RespondWith(Answer(body, stream, status, headers));

    public static void StubGemini(WireMockServer server, string model, string body, bool stream = false, int status = 200)
    {
        var path = stream ? $"/v1beta/models/{model}:streamGenerateContent" : $"/v1beta/models/{model}:generateContent";
        server.Given(Request.Create().WithPath(path).UsingPost()).RespondWith(Answer(body, stream, status));
    }

    private static string Event(string name, string data) => $"event: {name}\ndata: {data}\n\n";
}
