using System.Text;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.IntegrationTests.Resilience;

/// <summary>OpenAI Chat Completions payloads an upstream fake answers with.</summary>
public static class OpenAIWire
{
    public static string Completion(string text) => $$$"""
        {"id":"chatcmpl-r1","object":"chat.completion","created":1726012687,"model":"gpt-4o",
         "choices":[{"index":0,"message":{"role":"assistant","content":"{{{text}}}","refusal":null},"logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}
        """;

    public static string Chunk(string text) =>
        $$"""data: {"id":"chatcmpl-r1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"{{text}}"},"logprobs":null,"finish_reason":null}]}""" + "\n\n";

    public const string FinalChunk =
        """data: {"id":"chatcmpl-r1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}""" + "\n\n";

    public static string Stream(params string[] deltas) => string.Concat(deltas.Select(Chunk)) + FinalChunk + "data: [DONE]\n\n";

    public const string ServerError = """{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}""";

    public const string RateLimited = """{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}""";

    /// <summary>A chat request body as a client sends it.</summary>
    public static StringContent Request(string model, bool stream = false, string text = "Hi")
        => new($$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"{{text}}"}]}""", Encoding.UTF8, "application/json");

    /// <summary>Answers a chat request as a healthy OpenAI upstream: a stream (role chunk, text, finish, usage, [DONE]) or a completion.</summary>
    public static async Task AnswerAsync(HttpContext context, string text)
    {
        using var request = await System.Text.Json.JsonDocument.ParseAsync(context.Request.Body);
        if (request.RootElement.TryGetProperty("stream", out var stream) && stream.ValueKind == System.Text.Json.JsonValueKind.True)
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(
                """data: {"id":"chatcmpl-r1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}""" + "\n\n"
                + Chunk(text) + FinalChunk
                + """data: {"id":"chatcmpl-r1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}""" + "\n\n"
                + "data: [DONE]\n\n");
        }
        else
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Completion(text));
        }
    }

    /// <summary>Starts an SSE response and sends one event at once (so the gateway has its first token).</summary>
    public static async Task BeginStreamAsync(HttpResponse response, string firstDelta)
    {
        response.ContentType = "text/event-stream";
        await response.WriteAsync(Chunk(firstDelta));
        await response.Body.FlushAsync();
    }
}
