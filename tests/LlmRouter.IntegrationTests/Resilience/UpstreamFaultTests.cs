using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRouter.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;
using OpenAI;
using OpenAI.Chat;
using WireMock.Server;

namespace LlmRouter.IntegrationTests.Resilience;

/// <summary>
/// Transport-level faults: refused connections, resets, a first byte too late and a stream gone quiet. Before the
/// first byte they are retried elsewhere (or answered 502/504); after it, the stream ends with an error event.
/// </summary>
public sealed class UpstreamFaultTests : IAsyncLifetime
{
    private readonly WireMockServer _live = Upstreams.Start();
    private readonly WireMockServer _faulty = Upstreams.Start();
    private readonly StreamingFake _streaming = new();
    private readonly string _closedPort = $"http://127.0.0.1:{Upstreams.FreePort()}";
    private KestrelUpstream _stream = null!;
    private GatewayApp _gateway = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        ProviderFakes.StubOpenAI(_live, OpenAIWire.Completion("from live"));
        _stream = await KestrelUpstream.StartAsync(_streaming.HandleAsync);

        var resilience = new JsonObject
        {
            ["MaxAttempts"] = 3,
            ["BackoffMilliseconds"] = 0,
            ["TimeToFirstTokenTimeoutSeconds"] = 1,
            ["StreamIdleTimeoutSeconds"] = 1,
        };
        var catalog = new TestCatalog()
            .Deployment("live", "OpenAI", _live.Url!, model: "gpt-4o")
            .Deployment("refused", "OpenAI", _closedPort, model: "gpt-4o")
            .Deployment("faulty", "OpenAI", _faulty.Url!, model: "gpt-4o")
            .Deployment("streamer", "OpenAI", _stream.Url, model: "gpt-4o");
        foreach (var (name, member) in new[] { ("refused-then-live", "refused"), ("faulty-then-live", "faulty"), ("streamer-then-live", "streamer") })
        {
            catalog.Route(name, "RoundRobin", [member], route =>
            {
                route["Fallbacks"] = new JsonArray("live");
                route["Resilience"] = resilience.DeepClone();
            });
        }

        foreach (var (name, member) in new[] { ("refused-only", "refused"), ("faulty-only", "faulty"), ("streamer-only", "streamer") })
        {
            catalog.Route(name, "RoundRobin", [member], route => route["Resilience"] = resilience.DeepClone());
        }

        _gateway = new GatewayApp(catalog);
        _client = _gateway.CreateClient();

        // A cold gateway (JIT, first connections) can take longer than the short time-to-first-token limit.
        using var warmUp = await _client.PostAsync("/v1/chat/completions", OpenAIWire.Request("live"));
        warmUp.EnsureSuccessStatusCode();
        _live.ResetLogEntries();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _gateway.Dispose();
        await _stream.DisposeAsync();
        _live.Dispose();
        _faulty.Dispose();
    }

    [Fact]
    public async Task ConnectionRefused_RetriedOnFallback()
    {
        using var response = await _client.PostAsync("/v1/chat/completions", OpenAIWire.Request("refused-then-live"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("live", response.Headers.GetValues("x-llmrouter-deployment").Single());
        Assert.Equal("2", response.Headers.GetValues("x-llmrouter-attempts").Single());
    }

    [Fact]
    public async Task ConnectionRefused_NothingElse_Answers502()
    {
        using var response = await _client.PostAsync("/v1/chat/completions", OpenAIWire.Request("refused-only"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_unavailable", await ErrorCodeAsync(response));
        Assert.Equal("refused", response.Headers.GetValues("x-llmrouter-deployment").Single());
    }

    [Fact]
    public async Task ConnectionClosedWithoutResponse_RetriedOnFallback()
    {
        _streaming.Mode = StreamingFake.Behaviour.AbortBeforeHeaders;

        using var response = await _client.PostAsync("/v1/chat/completions", OpenAIWire.Request("streamer-then-live"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("live", response.Headers.GetValues("x-llmrouter-deployment").Single());
        Assert.Equal("2", response.Headers.GetValues("x-llmrouter-attempts").Single());
        Assert.Equal(1, _streaming.Requests);
    }

    [Fact]
    public async Task ConnectionResetMidBody_RetriedOnFallback()
    {
        _streaming.Mode = StreamingFake.Behaviour.ResetMidJsonBody;

        using var response = await _client.PostAsync("/v1/chat/completions", OpenAIWire.Request("streamer-then-live"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("live", response.Headers.GetValues("x-llmrouter-deployment").Single());
        Assert.Equal("2", response.Headers.GetValues("x-llmrouter-attempts").Single());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("from live", body.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task SlowFirstByte_PastTimeToFirstToken_RetriedOnFallback()
    {
        StubSlow();

        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var response = await _client.PostAsync("/v1/chat/completions", OpenAIWire.Request("faulty-then-live"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("live", response.Headers.GetValues("x-llmrouter-deployment").Single());
        Assert.Equal("2", response.Headers.GetValues("x-llmrouter-attempts").Single());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3.5), $"took {watch.Elapsed}: the slow upstream was waited for");
    }

    [Fact]
    public async Task SlowFirstByte_NothingElse_Answers504()
    {
        StubSlow();

        using var response = await _client.PostAsync("/v1/chat/completions", OpenAIWire.Request("faulty-only", stream: true));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("timeout", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task IdleStream_PastIdleTimeout_EndsWithErrorEventAndNoDone()
    {
        _streaming.Mode = StreamingFake.Behaviour.StallAfterFirstChunk;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = OpenAIWire.Request("streamer-only", stream: true) };
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var capture = await StreamCapture.ReadAsync(response).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(Sse.Content(capture.Data.SkipLast(1)) == "Hel", string.Join(" | ", capture.Data));
        Assert.Equal("timeout", capture.ErrorCode());
        Assert.False(capture.EndedWithDone);
        Assert.NotNull(capture.Failure);
        Assert.True(await _streaming.UpstreamAborted.Task.WaitAsync(TimeSpan.FromSeconds(5)), "the stalled upstream request was not cancelled");
    }

    [Theory]
    [InlineData(StreamingFake.Behaviour.AbortAfterTwoChunks)]
    [InlineData(StreamingFake.Behaviour.StallAfterFirstChunk)]
    public async Task MidStreamFailure_OpenAIUpstream_SdkRaisesInsteadOfTruncatedSuccess(StreamingFake.Behaviour mode)
    {
        _streaming.Mode = mode;
        var client = new ChatClient("streamer-only", new ApiKeyCredential("client-key"), new OpenAIClientOptions
        {
            Endpoint = new Uri(_gateway.BaseAddress, "v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
        var text = new StringBuilder();

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Hi")]))
            {
                foreach (var part in update.ContentUpdate)
                {
                    text.Append(part.Text);
                }
            }
        }).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.StartsWith("Hel", text.ToString(), StringComparison.Ordinal);
    }

    private void StubSlow()
        => ProviderFakes.StubOpenAI(_faulty, ProviderFakes.Answer(OpenAIWire.Completion("too late")).WithDelay(TimeSpan.FromSeconds(4)));

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("error").GetProperty("code").GetString();
    }

    /// <summary>An OpenAI upstream that starts a stream and then either cuts the connection or goes quiet.</summary>
    public sealed class StreamingFake
    {
        public enum Behaviour
        {
            AbortAfterTwoChunks,
            StallAfterFirstChunk,
            ResetMidJsonBody,
            AbortBeforeHeaders,
        }

        public Behaviour Mode { get; set; }

        private int _requests;

        public TaskCompletionSource<bool> UpstreamAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Requests => Volatile.Read(ref _requests);

        public async Task HandleAsync(HttpContext context)
        {
            Interlocked.Increment(ref _requests);
            context.RequestAborted.Register(() => UpstreamAborted.TrySetResult(true));
            if (Mode == Behaviour.AbortBeforeHeaders)
            {
                await context.Request.Body.CopyToAsync(Stream.Null);
                context.Abort();
                return;
            }

            if (Mode == Behaviour.ResetMidJsonBody)
            {
                var body = Encoding.UTF8.GetBytes(OpenAIWire.Completion("cut"));
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = body.Length;
                await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2));
                await context.Response.Body.FlushAsync();
                await Task.Delay(50);
                context.Abort();
                return;
            }

            await OpenAIWire.BeginStreamAsync(context.Response, "Hel");
            if (Mode == Behaviour.AbortAfterTwoChunks)
            {
                await context.Response.WriteAsync(OpenAIWire.Chunk("lo"));
                await context.Response.Body.FlushAsync();
                await Task.Delay(50);
                context.Abort();
                return;
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The gateway gave up on the quiet stream, as it should.
            }
        }
    }
}
