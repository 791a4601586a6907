using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using LlmRouter.IntegrationTests.Infrastructure;
using LlmRouter.IntegrationTests.Proxy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WireMock.Server;

namespace LlmRouter.IntegrationTests.Routing;

/// <summary>
/// Live-load policies against real HTTP upstreams (WireMock on 127.0.0.1): when one deployment becomes ten times
/// slower or starts failing its share of traffic drops below 20 %, and it wins traffic back once it heals.
/// </summary>
public sealed class LivePolicyTests : IDisposable
{
    private const int FastMs = 15;
    private const int Concurrency = 12;
    private const string Completion = """{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""";

    private readonly WireMockServer[] _upstreams = [Upstreams.Start(), Upstreams.Start(), Upstreams.Start()];
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Theory]
    [InlineData("LeastConnections", false)]
    [InlineData("LeastConnections", true)]
    [InlineData("Adaptive", false)]
    [InlineData("Adaptive", true)]
    public async Task DegradedDeployment_LosesTraffic_AndWinsItBackAfterHealing(string policy, bool failing)
    {
        foreach (var upstream in _upstreams)
        {
            Behave(upstream, FastMs, fail: false);
        }

        var catalog = new TestCatalog()
            .Deployment("a", "OpenAI", _upstreams[0].Url!)
            .Deployment("b", "OpenAI", _upstreams[1].Url!)
            .Deployment("c", "OpenAI", _upstreams[2].Url!)
            .Route("live", policy, ["a", "b", "c"], route => route["Resilience"] = new JsonObject { ["MaxAttempts"] = 3, ["BackoffMilliseconds"] = 0 })
            .Set("CircuitBreaker", new JsonObject { ["FailureRatio"] = 0.5, ["MinimumThroughput"] = 4, ["SamplingDurationSeconds"] = 30, ["BreakDurationSeconds"] = 10 });
        using var gateway = new GatewayApp(catalog, services: s => s.AddSingleton<TimeProvider>(_time));
        using var client = gateway.CreateClient();

        await SendAsync(client, 60);

        Behave(_upstreams[2], failing ? FastMs : FastMs * 10, fail: failing);
        await SendAsync(client, 60); // let the policy notice
        var degraded = await AttemptShareAsync(client, 240);
        Assert.True(degraded < 0.20, $"{policy}: degraded deployment kept {degraded:P0} of attempts");

        Behave(_upstreams[2], FastMs, fail: false);
        _time.Advance(TimeSpan.FromSeconds(30)); // breaker half-opens, stale measurements decay, idle deployments get probed
        await SendAsync(client, 60);
        var healed = await AttemptShareAsync(client, 240);
        Assert.True(healed > 0.20, $"{policy}: healed deployment won back only {healed:P0} of attempts");
    }

    public void Dispose()
    {
        foreach (var upstream in _upstreams)
        {
            upstream.Dispose();
        }
    }

    private static void Behave(WireMockServer server, int delayMs, bool fail)
    {
        server.ResetMappings();
        var response = fail
            ? ProviderFakes.Answer("""{"error":{"message":"boom","type":"server_error","param":null,"code":null}}""", status: 500)
            : ProviderFakes.Answer(Completion);
        ProviderFakes.StubOpenAI(server, response.WithDelay(delayMs));
    }

    // Share of upstream attempts the third deployment received during a run of requests; every request must succeed.
    private async Task<double> AttemptShareAsync(HttpClient client, int requests)
    {
        var before = _upstreams.Select(u => u.LogEntries.Count).ToArray();
        await SendAsync(client, requests);
        var counts = _upstreams.Select((u, i) => u.LogEntries.Count - before[i]).ToArray();
        return counts[2] / (double)counts.Sum();
    }

    private static async Task SendAsync(HttpClient client, int requests)
    {
        var failures = new ConcurrentBag<HttpStatusCode>();
        var remaining = requests;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                using var response = await client.SendAsync(ChatCompletionsTests.Chat("""{"model":"live","messages":[{"role":"user","content":"hi"}]}"""));
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add(response.StatusCode);
                }
            }
        }));

        Assert.Empty(failures);
    }
}
