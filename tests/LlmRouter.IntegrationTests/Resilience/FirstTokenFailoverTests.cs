using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRouter.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.IntegrationTests.Resilience;

/// <summary>
/// The gateway commits to the client at the first token, not at the upstream's headers: an upstream that answers
/// 200 and then fails (error event, stall, cut) before any content is retried on the fallback, for every provider,
/// streaming and not. After the first token a failure still ends the stream with an error event and no [DONE].
/// </summary>
public sealed class FirstTokenFailoverTests
{
    private const double FirstTokenTimeoutSeconds = 1;

    // The primary stalls far longer than the first-token limit; the fallback must answer well before it would.
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(10);

    public static TheoryData<string, bool> ProvidersAndModes => new()
    {
        { "OpenAI", true }, { "OpenAI", false }, { "Anthropic", true }, { "Anthropic", false }, { "Gemini", true }, { "Gemini", false },
    };

    public static TheoryData<string> Providers => new() { "OpenAI", "Anthropic", "Gemini" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task StreamWithErrorAsFirstEvent_IsAnsweredByTheFallback(string provider)
    {
        await using var primary = await KestrelUpstream.StartAsync(context => WriteEventsAsync(context, ErrorEvent(provider)));
        await using var fixture = await Fixture.StartAsync(provider, primary.Url, withFallback: true);

        var (response, capture) = await fixture.StreamAsync();

        AssertCleanFallbackStream(response, capture);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task StreamCutBeforeTheFirstContentEvent_IsAnsweredByTheFallback(string provider)
    {
        await using var primary = await KestrelUpstream.StartAsync(context => WriteEventsAsync(context, PreambleEvents(provider)));
        await using var fixture = await Fixture.StartAsync(provider, primary.Url, withFallback: true);

        var (response, capture) = await fixture.StreamAsync();

        AssertCleanFallbackStream(response, capture);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task StreamReset_BeforeTheFirstContentEvent_IsAnsweredByTheFallback(string provider)
    {
        await using var primary = await KestrelUpstream.StartAsync(async context =>
        {
            await WriteEventsAsync(context, PreambleEvents(provider));
            context.Abort();
        });
        await using var fixture = await Fixture.StartAsync(provider, primary.Url, withFallback: true);

        var (response, capture) = await fixture.StreamAsync();

        AssertCleanFallbackStream(response, capture);
    }

    [Theory]
    [MemberData(nameof(ProvidersAndModes))]
    public async Task FirstTokenLaterThanTheLimit_IsAnsweredByTheFallbackWithinTheLimit(string provider, bool stream)
    {
        await using var primary = await KestrelUpstream.StartAsync(async context =>
        {
            // Headers (and, for streams, the preamble) at once; the first token never comes in time.
            context.Response.ContentType = stream ? "text/event-stream" : "application/json";
            if (stream)
            {
                await WriteEventsAsync(context, PreambleEvents(provider), complete: false);
            }
            else
            {
                await context.Response.StartAsync();
                await context.Response.Body.FlushAsync();
            }

            await Task.Delay(Stall, context.RequestAborted);
        });
        await using var fixture = await Fixture.StartAsync(provider, primary.Url, withFallback: true);

        var clock = Stopwatch.StartNew();
        if (stream)
        {
            var (response, capture) = await fixture.StreamAsync();
            AssertCleanFallbackStream(response, capture);
        }
        else
        {
            using var response = await fixture.Client.PostAsync("/v1/chat/completions", OpenAIWire.Request("primary-route"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("fallback", response.Headers.GetValues("x-llmrouter-deployment").Single());
            Assert.Equal("2", response.Headers.GetValues("x-llmrouter-attempts").Single());
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("from the fallback", body.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        }

        // The limit fired: the answer came long before the primary's stall would have ended.
        Assert.True(clock.Elapsed < Stall / 2, $"answered after {clock.Elapsed}");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ErrorAfterTheFirstToken_EndsTheStreamWithAnErrorEventAndNoDone(string provider)
    {
        await using var primary = await KestrelUpstream.StartAsync(async context =>
        {
            await WriteEventsAsync(context, [.. PreambleEvents(provider), .. ContentEvents(provider, "Partial ")], complete: false);
            await Task.Delay(50, context.RequestAborted);
            await WriteEventsAsync(context, ErrorEvent(provider));
        });
        await using var fixture = await Fixture.StartAsync(provider, primary.Url, withFallback: true);

        var (response, capture) = await fixture.StreamAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("primary", response.Headers.GetValues("x-llmrouter-deployment").Single());
        Assert.Equal("1", response.Headers.GetValues("x-llmrouter-attempts").Single());
        Assert.Contains("Partial ", Sse.Content(capture.Data), StringComparison.Ordinal);
        Assert.False(capture.EndedWithDone);
        Assert.NotNull(capture.ErrorCode() ?? ErrorType(capture));
        Assert.NotNull(capture.Failure);
        Assert.Equal(0, fixture.FallbackCalls);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ErrorAsFirstEvent_NoFallbackLeft_IsAnHttpErrorWithAnOpenAIBody(string provider)
    {
        await using var primary = await KestrelUpstream.StartAsync(context => WriteEventsAsync(context, ErrorEvent(provider)));
        await using var fixture = await Fixture.StartAsync(provider, primary.Url, withFallback: false);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = OpenAIWire.Request("primary-route", stream: true) };
        using var response = await fixture.Client.SendAsync(request);

        // OpenAI's server_error is a 500; Anthropic's overloaded_error (529) and Gemini's UNAVAILABLE are 503.
        Assert.Equal(provider == "OpenAI" ? HttpStatusCode.InternalServerError : HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("1", response.Headers.GetValues("x-llmrouter-attempts").Single());
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
    }

    private static void AssertCleanFallbackStream(HttpResponseMessage response, StreamCapture capture)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("fallback", response.Headers.GetValues("x-llmrouter-deployment").Single());
        Assert.Equal("2", response.Headers.GetValues("x-llmrouter-attempts").Single());
        Assert.Null(capture.Failure);
        Assert.True(capture.EndedWithDone);
        Assert.Equal("from the fallback", Sse.Content(capture.Data));
        var chunks = capture.Data.Where(d => d != "[DONE]").Select(d => JsonNode.Parse(d)!).ToList();
        Assert.Single(chunks.Select(c => c["id"]!.GetValue<string>()).Distinct());
        Assert.Single(chunks, c => c["choices"]?.AsArray() is [{ } choice] && choice["delta"]?["role"] is not null);
    }

    private static string? ErrorType(StreamCapture capture)
    {
        using var doc = JsonDocument.Parse(capture.Data[^1]);
        return doc.RootElement.GetProperty("error").GetProperty("type").GetString();
    }

    private static async Task WriteEventsAsync(HttpContext context, string[] events, bool complete = true)
    {
        context.Response.ContentType = "text/event-stream";
        foreach (var e in events)
        {
            await context.Response.WriteAsync(e);
            await context.Response.Body.FlushAsync();
        }

        if (complete)
        {
            await context.Response.CompleteAsync();
        }
    }

    private static string[] ErrorEvent(string provider) => provider switch
    {
        "OpenAI" => ["data: {\"error\":{\"message\":\"The server is overloaded.\",\"type\":\"server_error\",\"param\":null,\"code\":\"overloaded\"}}\n\n"],
        "Anthropic" => ["event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"],
        _ => ["data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n"],
    };

    // What providers send before any content: a role chunk, message_start/ping, a Gemini chunk with an empty part.
    private static string[] PreambleEvents(string provider) => provider switch
    {
        "OpenAI" => ["data: {\"id\":\"chatcmpl-p\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n", ": keep-alive\n\n"],
        "Anthropic" =>
        [
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_p\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n",
            "event: ping\ndata: {\"type\":\"ping\"}\n\n",
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        ],
        _ => ["data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"\"}]},\"index\":0}],\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n"],
    };

    private static string[] ContentEvents(string provider, string text) => provider switch
    {
        "OpenAI" => [OpenAIWire.Chunk(text)],
        "Anthropic" => [$"event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":\"{text}\"}}}}\n\n"],
        _ => [$"data: {{\"candidates\":[{{\"content\":{{\"role\":\"model\",\"parts\":[{{\"text\":\"{text}\"}}]}},\"index\":0}}],\"modelVersion\":\"gemini-2.5-flash\"}}\r\n\r\n"],
    };

    /// <summary>A gateway with route <c>primary-route</c> → deployment <c>primary</c> (the provider under test) and an OpenAI fallback.</summary>
    private sealed class Fixture : IAsyncDisposable
    {
        private readonly KestrelUpstream _fallback;
        private readonly GatewayApp _gateway;

        private Fixture(KestrelUpstream fallback, GatewayApp gateway, Func<int> calls)
        {
            _fallback = fallback;
            _gateway = gateway;
            Client = gateway.CreateClient();
            FallbackCallCount = calls;
        }

        public HttpClient Client { get; }

        public int FallbackCalls => FallbackCallCount();

        private Func<int> FallbackCallCount { get; }

        public static async Task<Fixture> StartAsync(string provider, string primaryUrl, bool withFallback)
        {
            var calls = 0;
            var fallback = await KestrelUpstream.StartAsync(context =>
            {
                Interlocked.Increment(ref calls);
                return OpenAIWire.AnswerAsync(context, "from the fallback");
            });

            var catalog = new TestCatalog()
                .Deployment("primary", provider, primaryUrl, model: provider == "Gemini" ? "gemini-2.5-flash" : null, apiKeyVariable: "TEST_KEY")
                .Deployment("fallback", "OpenAI", fallback.Url, model: "gpt-4o", apiKeyVariable: "TEST_KEY")
                .Route("primary-route", "RoundRobin", ["primary"], route =>
                {
                    if (withFallback)
                    {
                        route["Fallbacks"] = new JsonArray("fallback");
                    }

                    route["Resilience"] = new JsonObject
                    {
                        ["MaxAttempts"] = 3,
                        ["TimeToFirstTokenTimeoutSeconds"] = FirstTokenTimeoutSeconds,
                        ["BackoffMilliseconds"] = 0,
                    };
                });
            var gateway = new GatewayApp(catalog, new Dictionary<string, string?> { ["TEST_KEY"] = "upstream-secret" });
            return new Fixture(fallback, gateway, () => Volatile.Read(ref calls));
        }

        public async Task<(HttpResponseMessage Response, StreamCapture Capture)> StreamAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = OpenAIWire.Request("primary-route", stream: true) };
            var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            return (response, await StreamCapture.ReadAsync(response));
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            _gateway.Dispose();
            await _fallback.DisposeAsync();
        }
    }
}
