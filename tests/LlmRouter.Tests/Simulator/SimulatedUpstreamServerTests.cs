using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LlmRouter.Simulator;
using static LlmRouter.Tests.Simulator.SimulatorHttp;

namespace LlmRouter.Tests.Simulator;

public sealed class SimulatedUpstreamServerTests
{
    private const string ChatBody = """{"model":"gpt-4o","messages":[{"role":"user","content":"Tell me something"}]}""";
    private const string StreamBody = """{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Tell me something"}]}""";

    [Fact]
    public async Task StartAsync_OnPortZero_BindsLoopbackPortAndCountsRequests()
    {
        await using var server = await SimulatedUpstreamServer.StartAsync(_ => null);
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        Assert.Equal("127.0.0.1", server.BaseAddress.Host);
        Assert.NotEqual(0, server.BaseAddress.Port);
        Assert.Equal("ok", await client.GetStringAsync("/healthz"));
        using var response = await PostAsync(client, "/sim/a/v1/chat/completions", ChatBody);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, server.RequestCount);
        Assert.False(response.Headers.Contains("Server"));
    }

    [Fact]
    public async Task BehaviorLookup_ReceivesTheDeploymentIdFromThePath()
    {
        var seen = new ConcurrentQueue<string>();
        await using var server = await SimulatedUpstreamServer.StartAsync(id =>
        {
            seen.Enqueue(id);
            return null;
        });
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        (await PostAsync(client, "/sim/openai-east/v1/chat/completions", ChatBody)).Dispose();
        (await PostAsync(client, "/sim/claude-west/v1/messages", """{"model":"c","max_tokens":8,"messages":[{"role":"user","content":"x"}]}""", AnthropicHeaders)).Dispose();
        (await PostAsync(client, "/sim/gemini-1/v1beta/models/g:generateContent", """{"contents":[{"parts":[{"text":"x"}]}]}""", GeminiHeaders)).Dispose();

        Assert.Equal(["openai-east", "claude-west", "gemini-1"], seen.ToArray());
    }

    [Fact]
    public async Task NonStreaming_WaitsLatencyMsBeforeAnswering()
    {
        await using var server = await SimulatedUpstreamServer.StartAsync(_ => new SimulatedBehavior { LatencyMs = 150 });
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        var stopwatch = Stopwatch.StartNew();
        using var response = await PostAsync(client, "/sim/a/v1/chat/completions", ChatBody);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(stopwatch.ElapsedMilliseconds >= 140, $"answered after {stopwatch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Stream_WaitsTimeToFirstTokenThenPacesChunksAtTokensPerSecond()
    {
        await using var server = await SimulatedUpstreamServer.StartAsync(_ => new SimulatedBehavior { TimeToFirstTokenMs = 100, TokensPerSecond = 200 });
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        var stopwatch = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/sim/a/v1/chat/completions")
        {
            Content = new StringContent(StreamBody, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var firstEvent = stopwatch.ElapsedMilliseconds;
        var body = await response.Content.ReadAsStringAsync();
        var total = stopwatch.ElapsedMilliseconds;

        var text = string.Concat(SplitEvents(body, "\n\n")[..^1]
            .Select(e => Data(e).GetProperty("choices")[0].GetProperty("delta"))
            .Select(d => d.TryGetProperty("content", out var c) ? c.GetString() : null));
        var words = Words(text);

        // The last chunk is due (words - 1) / 200 s after the first, which itself waits for the time to first token.
        Assert.True(firstEvent >= 90, $"first event after {firstEvent} ms");
        var expected = 100 + ((words - 1) * 1000 / 200);
        Assert.True(total >= expected - 15, $"stream took {total} ms for {words} words, expected at least {expected} ms");
    }

    [Fact]
    public async Task Stream_PacedAtTokensPerSecond_StopsPromptlyWhenClientDisconnects()
    {
        // Five words a second: a full reply (20+ words) would take at least four seconds.
        await using var server = await SimulatedUpstreamServer.StartAsync(_ => new SimulatedBehavior { TokensPerSecond = 5 });
        using var handler = new SocketsHttpHandler { MaxResponseDrainSize = 0 };
        using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/sim/slow/v1/messages")
        {
            Content = new StringContent(
                """{"model":"claude","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"Take your time"}]}""",
                Encoding.UTF8,
                new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add("x-api-key", "k");
        request.Headers.Add("anthropic-version", "2023-06-01");

        using var cancellation = new CancellationTokenSource();
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation.Token);
        var stream = await response.Content.ReadAsStreamAsync(cancellation.Token);
        var read = await stream.ReadAsync(new byte[256], cancellation.Token);
        Assert.True(read > 0);
        Assert.Equal(1, server.ActiveRequestCount);

        var stopwatch = Stopwatch.StartNew();
        await cancellation.CancelAsync();
        response.Dispose();
        while (server.ActiveRequestCount > 0 && stopwatch.Elapsed < TimeSpan.FromSeconds(3))
        {
            await Task.Delay(10);
        }

        Assert.Equal(0, server.ActiveRequestCount);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"generation stopped {stopwatch.ElapsedMilliseconds} ms after the disconnect");
        Assert.Equal(1, server.AbortedRequestCount);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task DisposeAsync_IsIdempotentAndStopsListening()
    {
        var server = await SimulatedUpstreamServer.StartAsync(_ => null);
        var address = server.BaseAddress;
        await server.DisposeAsync();
        await server.DisposeAsync();

        using var client = new HttpClient { BaseAddress = address };
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/healthz"));
    }

    [Fact]
    public async Task UnknownPath_Returns404()
    {
        await using var server = await SimulatedUpstreamServer.StartAsync(_ => null);
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using var response = await PostAsync(client, "/v1/chat/completions", ChatBody);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
