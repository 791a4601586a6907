using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRouter.IntegrationTests.Infrastructure;
using LlmRouter.IntegrationTests.Resilience;
using LlmRouter.Resilience;
using LlmRouter.Routing.Stats;
using LlmRouter.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace LlmRouter.IntegrationTests.Hardening;

/// <summary>
/// The real gateway on Kestrel with WireMock fakes of all three providers (always healthy, stream-aware) and routes
/// over each provider, one over all three (contextual, with fallbacks and retries), one model-aware and one
/// consistent-hash. The breaker opens after very few charged failures, so any client fault charged to a deployment shows.
/// </summary>
public sealed class HardeningGateway : IDisposable
{
    public const string GeminiModel = "gemini-2.5-flash";

    public static readonly string[] Deployments = ["oa", "an", "ge"];

    /// <summary>Client headers that must never reach an upstream (issue 10): only the adapters' allowlist goes.</summary>
    public static readonly string[] ForbiddenUpstreamHeaders =
    [
        "x-note", "x-fuzz", "x-goog-user-project", "openai-beta", "anthropic-dangerous-direct-browser-access", "x-http-method-override",
        "x-real-ip", "baggage", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-custom-hop", "x-llmrouter-category",
        "x-llmrouter-priority", "x-llmrouter-hash-key", "cookie",
    ];

    public HardeningGateway(int maxRequestBodyBytes = 256 * 1024)
    {
        StubStreamAware(OpenAI, "/v1/chat/completions", OpenAIWire.Stream("a", "b"), OpenAIWire.Completion("ok"));
        StubStreamAware(Anthropic, "/v1/messages", ProviderFakes.AnthropicTextStream("a", "b"), ProviderFakes.AnthropicText);
        ProviderFakes.StubGemini(Gemini, GeminiModel, ProviderFakes.GeminiText);
        ProviderFakes.StubGemini(Gemini, GeminiModel, ProviderFakes.GeminiTextStream, stream: true);

        var catalog = new TestCatalog()
            .Deployment("oa", "OpenAI", OpenAI.Url!, model: "gpt-4o", configure: d => d["Specializations"] = new JsonArray("code"))
            .Deployment("an", "Anthropic", Anthropic.Url!, model: "claude-sonnet-4-5", configure: d =>
            {
                d["Specializations"] = new JsonArray("writing");
                d["ForwardHeaders"] = new JsonArray("anthropic-beta");
            })
            .Deployment("ge", "Gemini", Gemini.Url!, model: GeminiModel)
            .Route("gpt", "RoundRobin", ["oa"])
            .Route("claude", "RoundRobin", ["an"])
            .Route("gemini", "RoundRobin", ["ge"])
            .Route("all", "Contextual", ["oa", "an", "ge"], route =>
            {
                route["Fallbacks"] = new JsonArray("ge");
                route["Resilience"] = new JsonObject { ["MaxAttempts"] = 3, ["BackoffMilliseconds"] = 0 };
            })
            .Route("aware", "ModelAware", ["oa", "ge"])
            .Route("hash", "ConsistentHash", ["oa", "an"])
            .Set("MaxRequestBodyBytes", maxRequestBodyBytes)
            .Set("CircuitBreaker", new JsonObject
            {
                ["FailureRatio"] = 0.5,
                ["MinimumThroughput"] = 3,
                ["SamplingDurationSeconds"] = 60,
                ["BreakDurationSeconds"] = 60,
            });
        Gateway = new GatewayApp(catalog);
        MetricSeries = new MetricTagSets(Gateway.Services.GetRequiredService<GatewayMetrics>().Meter);

        // Raw UTF-8 header bytes, as a hostile client sends them (HttpClient refuses non-ASCII by default).
        Client = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 })
        {
            BaseAddress = Gateway.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public WireMockServer OpenAI { get; } = Upstreams.Start();

    public WireMockServer Anthropic { get; } = Upstreams.Start();

    public WireMockServer Gemini { get; } = Upstreams.Start();

    public GatewayApp Gateway { get; }

    public HttpClient Client { get; }

    /// <summary>The label sets this gateway's own instruments recorded so far.</summary>
    public MetricTagSets MetricSeries { get; }

    /// <summary>Deployments whose breaker is not closed, or that are cooling down or have a non-zero error rate.</summary>
    public IReadOnlyList<string> UnhealthyDeployments()
    {
        var breakers = Gateway.Services.GetRequiredService<DeploymentCircuitBreakers>();
        var stats = Gateway.Services.GetRequiredService<LiveStatsStore>();
        var unhealthy = new List<string>();
        foreach (var id in Deployments)
        {
            var snapshot = stats.Get(id).Snapshot();
            if (breakers.StateOf(id) != CircuitState.Closed || snapshot.IsCoolingDown || snapshot.ErrorRate > 0)
            {
                unhealthy.Add($"{id}: circuit {breakers.StateOf(id)}, cooling down {snapshot.IsCoolingDown}, error rate {snapshot.ErrorRate}");
            }
        }

        return unhealthy;
    }

    /// <summary>Client header names that reached an upstream although not on the allowlist.</summary>
    public IReadOnlyList<string> LeakedHeaders()
        => [.. new[] { OpenAI, Anthropic, Gemini }
            .SelectMany(server => server.LogEntries)
            .SelectMany(entry => entry.RequestMessage.Headers?.Keys ?? [])
            .Where(name => ForbiddenUpstreamHeaders.Any(f => name.StartsWith(f, StringComparison.OrdinalIgnoreCase)))
            .Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>The series (name and labels, without the value) of a fresh scrape of <c>/metrics</c>.</summary>
    public async Task<HashSet<string>> ScrapeSeriesAsync()
    {
        // The exporter caches a scrape briefly; wait it out so the scrape reflects every request sent.
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        using var response = await Client.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync();
        return text.Split('\n')
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line[..line.LastIndexOf(' ')])
            .ToHashSet(StringComparer.Ordinal);
    }

    public static long WorkingSet()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    public async Task<RawResponse> PostJsonAsync(string path, string json, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return await SendAsync(request);
    }

    public async Task<RawResponse> SendAsync(HttpRequestMessage request)
    {
        using var response = await Client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        var headers = response.Headers.Concat(response.Content.Headers)
            .GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => string.Join(", ", g.SelectMany(h => h.Value)), StringComparer.OrdinalIgnoreCase);
        return new RawResponse((int)response.StatusCode, headers, body);
    }

    /// <summary>Why <paramref name="response"/> breaks the error invariant (an OpenAI-style JSON body on every error), or null.</summary>
    public static string? ErrorBodyProblem(RawResponse response, bool anthropic = false)
    {
        if (response.Status < 400)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(response.Body);
            if (anthropic)
            {
                var anthropicError = document.RootElement.GetProperty("error");
                return document.RootElement.GetProperty("type").ValueEquals("error")
                    && anthropicError.GetProperty("type").ValueKind == JsonValueKind.String
                    && anthropicError.GetProperty("message").ValueKind == JsonValueKind.String
                    ? null
                    : "not an Anthropic-style error";
            }

            var error = document.RootElement.GetProperty("error");
            var ok = error.GetProperty("message").ValueKind == JsonValueKind.String
                && error.GetProperty("type").ValueKind == JsonValueKind.String
                && error.TryGetProperty("param", out _) && error.TryGetProperty("code", out _);
            return ok ? null : "error object lacks message/type/param/code";
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"not an OpenAI-style JSON error ({response.Body.Length} bytes)";
        }
    }

    public void Dispose()
    {
        MetricSeries.Dispose();
        Client.Dispose();
        Gateway.Dispose();
        OpenAI.Dispose();
        Anthropic.Dispose();
        Gemini.Dispose();
    }

    private static void StubStreamAware(WireMockServer server, string path, string stream, string json)
    {
        server.Given(Request.Create().WithPath(path).UsingPost().WithBody((string? body) => body is not null && body.Contains("\"stream\":true", StringComparison.Ordinal)))
            .AtPriority(1)
            .RespondWith(Response.Create().WithHeader("Content-Type", "text/event-stream").WithBody(stream));
        server.Given(Request.Create().WithPath(path).UsingPost()).AtPriority(100)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(json));
    }
}
