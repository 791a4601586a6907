using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmRouter.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.IntegrationTests.Resilience;

/// <summary>
/// Three deployments of three providers fail at random (429, 500, no first byte in time, connection reset) while
/// 500 requests run 25 at a time, streamed and not: every request succeeds, and the gateway's extra attempts are
/// exactly the failures the fakes injected.
/// </summary>
public sealed partial class ChaosTests : IAsyncLifetime
{
    private const int Requests = 500;
    private const int Parallelism = 25;
    private const string GeminiModel = "gemini-2.5-flash";

    private readonly FaultInjector _faults = new(seed: 20240611);
    private readonly List<KestrelUpstream> _upstreams = [];
    private GatewayApp _gateway = null!;

    public async Task InitializeAsync()
    {
        _upstreams.Add(await KestrelUpstream.StartAsync(context => _faults.HandleAsync(context, Provider.OpenAI)));
        _upstreams.Add(await KestrelUpstream.StartAsync(context => _faults.HandleAsync(context, Provider.Anthropic)));
        _upstreams.Add(await KestrelUpstream.StartAsync(context => _faults.HandleAsync(context, Provider.Gemini)));
        var catalog = new TestCatalog()
            .Deployment("gpt", "OpenAI", _upstreams[0].Url, model: "gpt-4o")
            .Deployment("claude", "Anthropic", _upstreams[1].Url, model: "claude-sonnet-4-5", apiKeyVariable: "TEST_ANTHROPIC_KEY")
            .Deployment("gemini", "Gemini", _upstreams[2].Url, model: GeminiModel, apiKeyVariable: "TEST_GEMINI_KEY")
            .Route("chaos", "RoundRobin", ["gpt", "claude", "gemini"], route => route["Resilience"] = new JsonObject
            {
                ["MaxAttempts"] = 6,
                ["BackoffMilliseconds"] = 0,
                ["TimeToFirstTokenTimeoutSeconds"] = 1.5,
                ["TotalTimeoutSeconds"] = 60,
            })
            // The breaker must not step in: every extra attempt has to come from an injected failure.
            .Set("CircuitBreaker", new JsonObject { ["FailureRatio"] = 1.0, ["MinimumThroughput"] = 1_000_000 });
        _gateway = new GatewayApp(catalog, new Dictionary<string, string?>
        {
            ["TEST_ANTHROPIC_KEY"] = "anthropic-secret",
            ["TEST_GEMINI_KEY"] = "gemini-secret",
        });
    }

    public async Task DisposeAsync()
    {
        _gateway.Dispose();
        foreach (var upstream in _upstreams)
        {
            await upstream.DisposeAsync();
        }
    }

    [Fact]
    public async Task RandomFailuresAcrossProviders_EveryRequestSucceeds_ExtraAttemptsMatchInjectedFailures()
    {
        using var client = _gateway.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(60);

        // Warm up each deployment without faults so a cold start is not mistaken for a time-to-first-token failure.
        _faults.Enabled = false;
        for (var i = 0; i < 6; i++)
        {
            using var warm = await client.PostAsync("/v1/chat/completions", OpenAIWire.Request("chaos", stream: i % 2 == 0, text: "warm-up"));
            warm.EnsureSuccessStatusCode();
        }

        _faults.Reset();
        _faults.Enabled = true;
        var attempts = new int[Requests];
        var failures = new List<string>();
        using var gate = new SemaphoreSlim(Parallelism);
        var tasks = Enumerable.Range(0, Requests).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var (ok, attempt, detail) = await SendAsync(client, i, stream: i % 2 == 1);
                attempts[i] = attempt;
                if (!ok)
                {
                    lock (failures)
                    {
                        failures.Add($"req-{i}: {detail}");
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks);

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        var injected = _faults.Injected;
        Assert.True(injected > Requests / 5, $"only {injected} failures were injected; the test would prove little");
        Assert.Equal(injected, attempts.Sum(a => a - 1));
        Assert.Equal(_faults.Received, attempts.Sum());
        Assert.True(_faults.InjectedOf(FailureKind.Timeout) > 0 && _faults.InjectedOf(FailureKind.Reset) > 0
            && _faults.InjectedOf(FailureKind.RateLimited) > 0 && _faults.InjectedOf(FailureKind.ServerError) > 0);
    }

    private static async Task<(bool Ok, int Attempts, string Detail)> SendAsync(HttpClient client, int index, bool stream)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = OpenAIWire.Request("chaos", stream, $"req-{index}") };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var attempts = response.Headers.TryGetValues("x-llmrouter-attempts", out var values) ? int.Parse(values.Single(), System.Globalization.CultureInfo.InvariantCulture) : 0;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (false, attempts, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        if (!stream)
        {
            var body = await response.Content.ReadAsStringAsync();
            return (body.Contains("\"content\":\"", StringComparison.Ordinal), attempts, body);
        }

        var capture = await StreamCapture.ReadAsync(response);
        var ok = capture.Failure is null && capture.EndedWithDone && Sse.Content(capture.Data).Length > 0;
        return (ok, attempts, string.Join(" | ", capture.Data) + capture.Failure?.Message);
    }

    private enum Provider
    {
        OpenAI,
        Anthropic,
        Gemini,
    }

    private enum FailureKind
    {
        RateLimited,
        ServerError,
        Timeout,
        Reset,
    }

    [GeneratedRegex(@"req-\d+")]
    private static partial Regex RequestKey();

    /// <summary>
    /// Fails about 30 % of upstream requests at random (seeded), with one limit: a request is never failed by all
    /// three deployments, because a request every deployment rejects cannot succeed through any gateway.
    /// </summary>
    private sealed class FaultInjector(int seed)
    {
        private const double FailureRate = 0.3;

        private readonly Random _random = new(seed);
        private readonly Lock _lock = new();
        private readonly Dictionary<string, int> _failuresPerRequest = new(StringComparer.Ordinal);
        private readonly int[] _injected = new int[4];
        private int _received;

        public bool Enabled { get; set; }

        public int Injected
        {
            get
            {
                lock (_lock)
                {
                    return _injected.Sum();
                }
            }
        }

        public int Received
        {
            get
            {
                lock (_lock)
                {
                    return _received;
                }
            }
        }

        public int InjectedOf(FailureKind kind)
        {
            lock (_lock)
            {
                return _injected[(int)kind];
            }
        }

        public void Reset()
        {
            lock (_lock)
            {
                _failuresPerRequest.Clear();
                Array.Clear(_injected);
                _received = 0;
            }
        }

        public async Task HandleAsync(HttpContext context, Provider provider)
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var key = RequestKey().Match(body).Value;
            var stream = context.Request.Path.Value!.Contains("streamGenerateContent", StringComparison.Ordinal) || body.Contains("\"stream\":true", StringComparison.Ordinal);

            FailureKind? failure = null;
            lock (_lock)
            {
                _received++;
                if (Enabled && _failuresPerRequest.GetValueOrDefault(key) < 2 && _random.NextDouble() < FailureRate)
                {
                    failure = (FailureKind)_random.Next(4);
                    _failuresPerRequest[key] = _failuresPerRequest.GetValueOrDefault(key) + 1;
                    _injected[(int)failure]++;
                }
            }

            switch (failure)
            {
                case FailureKind.Reset:
                    context.Abort();
                    return;
                case FailureKind.Timeout:
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(20), context.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                        // The gateway gave up waiting for the first byte, as intended.
                    }

                    return;
                case FailureKind.RateLimited or FailureKind.ServerError:
                    await WriteErrorAsync(context.Response, provider, failure == FailureKind.RateLimited);
                    return;
                default:
                    await WriteSuccessAsync(context.Response, provider, stream);
                    return;
            }
        }

        private static Task WriteErrorAsync(HttpResponse response, Provider provider, bool rateLimited)
        {
            response.StatusCode = rateLimited ? 429 : 500;
            response.ContentType = "application/json";
            return response.WriteAsync((provider, rateLimited) switch
            {
                (Provider.OpenAI, true) => OpenAIWire.RateLimited,
                (Provider.OpenAI, false) => OpenAIWire.ServerError,
                (Provider.Anthropic, true) => ProviderFakes.AnthropicRateLimited,
                (Provider.Anthropic, false) => """{"type":"error","error":{"type":"api_error","message":"Internal server error"}}""",
                (_, true) => """{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}""",
                _ => """{"error":{"code":500,"message":"An internal error has occurred.","status":"INTERNAL"}}""",
            });
        }

        private static Task WriteSuccessAsync(HttpResponse response, Provider provider, bool stream)
        {
            response.ContentType = stream ? "text/event-stream" : "application/json";
            return response.WriteAsync((provider, stream) switch
            {
                (Provider.OpenAI, true) => OpenAIWire.Stream("o", "k"),
                (Provider.OpenAI, false) => OpenAIWire.Completion("ok"),
                (Provider.Anthropic, true) => ProviderFakes.AnthropicTextStream("o", "k"),
                (Provider.Anthropic, false) => ProviderFakes.AnthropicText,
                (_, true) => ProviderFakes.GeminiTextStream,
                _ => ProviderFakes.GeminiText,
            });
        }
    }
}
