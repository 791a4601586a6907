using System.Collections.Concurrent;
using LlmRouter.IntegrationTests.Resilience;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.IntegrationTests.Limits;

/// <summary>
/// An OpenAI upstream for the tenant tests: answers with known usage (streamed or not), counts requests, records
/// the credential headers it received, and can hold requests open or answer 429 with Retry-After.
/// </summary>
public sealed class TenantUpstream
{
    public const int PromptTokens = 11;
    public const int CompletionTokens = 7;

    private int _requests;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Every Authorization and x-api-key value the upstream received.</summary>
    public ConcurrentBag<string> Credentials { get; } = [];

    /// <summary>When set, requests wait for it before answering.</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Signalled each time a request arrives (after counting).</summary>
    public SemaphoreSlim Arrived { get; } = new(0);

    /// <summary>When positive, answer 429 with this Retry-After (seconds).</summary>
    public int RateLimitSeconds { get; set; }

    public async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        foreach (var name in new[] { "Authorization", "x-api-key" })
        {
            if (context.Request.Headers.TryGetValue(name, out var value))
            {
                Credentials.Add(value.ToString());
            }
        }

        Arrived.Release();
        if (RateLimitSeconds > 0)
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = RateLimitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(OpenAIWire.RateLimited);
            return;
        }

        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(context.RequestAborted);
        }

        using var body = await System.Text.Json.JsonDocument.ParseAsync(context.Request.Body);
        if (body.RootElement.TryGetProperty("stream", out var stream) && stream.GetBoolean())
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(OpenAIWire.Chunk("Hel") + OpenAIWire.Chunk("lo") + OpenAIWire.FinalChunk + UsageChunk + "data: [DONE]\n\n");
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$$"""
            {"id":"chatcmpl-t","object":"chat.completion","created":1,"model":"gpt-4o",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":{{{PromptTokens}}},"completion_tokens":{{{CompletionTokens}}},"total_tokens":{{{PromptTokens + CompletionTokens}}}}}
            """);
    }

    private static string UsageChunk =>
        $$$"""data: {"id":"chatcmpl-t","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":{{{PromptTokens}}},"completion_tokens":{{{CompletionTokens}}},"total_tokens":{{{PromptTokens + CompletionTokens}}}}}""" + "\n\n";
}
