using System.Text.Json.Nodes;
using LlmRouter.IntegrationTests.Infrastructure;
using WireMock.Server;
using static LlmRouter.IntegrationTests.Telemetry.TelemetryFakes;

namespace LlmRouter.IntegrationTests.Telemetry;

/// <summary>
/// Sends a known mix (plain, streamed, one fallback, one client error) and checks the exported series against the
/// usage the fake upstreams reported. Route and deployment names are unique to this class, and every assertion
/// filters on them, so gateways of other tests in the process cannot disturb the figures.
/// </summary>
public sealed class MetricsScrapeTests : IDisposable
{
    private const string Route = "llmrouter_route";
    private const string Deployment = "llmrouter_deployment";

    private readonly WireMockServer _openAI = Upstreams.Start();
    private readonly WireMockServer _anthropic = Upstreams.Start();
    private readonly WireMockServer _broken = Upstreams.Start();
    private readonly WireMockServer _rejecting = Upstreams.Start();
    private readonly GatewayApp _gateway;
    private readonly HttpClient _client;

    public MetricsScrapeTests()
    {
        StubOpenAI(_openAI);
        ProviderFakes.StubAnthropic(_anthropic, ProviderFakes.AnthropicTextStream("Hel", "lo"), stream: true);
        StubOpenAIError(_broken, 500, "server_error", "upstream_broke");
        StubOpenAIError(_rejecting, 400, "invalid_request_error", "context_length_exceeded");

        var catalog = new TestCatalog()
            .Deployment("ms-openai", "OpenAI", _openAI.Url!, model: "gpt-4o", configure: d => d["Pricing"] = new JsonObject { ["InputPerMillion"] = 1000, ["OutputPerMillion"] = 2000 })
            .Deployment("ms-claude", "Anthropic", _anthropic.Url!, model: "claude-sonnet-4-5")
            .Deployment("ms-broken", "OpenAI", _broken.Url!, model: "gpt-4o", configure: d => d["Profile"] = new JsonObject { ["accuracy"] = 95 })
            .Deployment("ms-backup", "OpenAI", _openAI.Url!, model: "gpt-4o-mini", configure: d => d["Profile"] = new JsonObject { ["accuracy"] = 40 })
            .Deployment("ms-rejecting", "OpenAI", _rejecting.Url!, model: "gpt-4o")
            .Route("ms-chat", "RoundRobin", ["ms-openai"])
            .Route("ms-stream", "LeastConnections", ["ms-claude"])
            // Model-aware on static profiles only: the first pick is always ms-broken, the retry goes to ms-backup.
            .Route("ms-fallback", "ModelAware", ["ms-broken", "ms-backup"], r =>
            {
                r["DefaultPriority"] = "accuracy";
                r["LiveWeight"] = 0;
            })
            .Route("ms-reject", "RoundRobin", ["ms-rejecting"]);
        _gateway = Gateway(catalog);
        _client = _gateway.CreateClient();
    }

    [Fact]
    public async Task Scrape_AfterMixedTraffic_ExportsGenAiAndRouterSeriesWithReportedUsage()
    {
        Assert.Equal(200, (await SendAsync(_client, ChatRequest("ms-chat", "one"))).Status);
        Assert.Equal(200, (await SendAsync(_client, ChatRequest("ms-chat", "two"))).Status);
        Assert.Equal(200, (await SendAsync(_client, ChatRequest("ms-stream", "three", stream: true))).Status);
        Assert.Equal(200, (await SendAsync(_client, ChatRequest("ms-stream", "four", stream: true))).Status);
        var fallback = await SendAsync(_client, ChatRequest("ms-fallback", "five"));
        Assert.True(fallback.Status == 200, fallback.Body);
        Assert.Equal(400, (await SendAsync(_client, ChatRequest("ms-reject", "six"))).Status);

        var metrics = await EventuallyAsync(ScrapeAsync, m => m.Sum("llmrouter_requests_total", (Route, "ms-reject")) >= 1
            && m.Sum("llmrouter_requests_total", (Route, "ms-fallback")) >= 1 && m.Sum("llmrouter_requests_total", (Route, "ms-stream")) >= 2);

        // Semantic-convention token usage equals what the upstreams reported, input and output apart.
        const string Tokens = "gen_ai_client_token_usage_sum";
        Assert.Equal("histogram", metrics.Types["gen_ai_client_token_usage"]);
        Assert.Equal(2 * OpenAIPromptTokens, metrics.Sum(Tokens, (Deployment, "ms-openai"), ("gen_ai_token_type", "input")));
        Assert.Equal(2 * OpenAICompletionTokens, metrics.Sum(Tokens, (Deployment, "ms-openai"), ("gen_ai_token_type", "output")));
        Assert.Equal(2 * AnthropicStreamInputTokens, metrics.Sum(Tokens, (Deployment, "ms-claude"), ("gen_ai_token_type", "input")));
        Assert.Equal(2 * AnthropicStreamOutputTokens, metrics.Sum(Tokens, (Deployment, "ms-claude"), ("gen_ai_token_type", "output")));
        Assert.Equal(OpenAIPromptTokens, metrics.Sum(Tokens, (Deployment, "ms-backup"), ("gen_ai_token_type", "input")));
        Assert.Equal(2, metrics.Sum("gen_ai_client_token_usage_count", (Deployment, "ms-openai"), ("gen_ai_token_type", "input")));
        Assert.Equal(2 * OpenAICachedTokens, metrics.Sum("llmrouter_tokens_cached_total", (Deployment, "ms-openai")));

        var claude = Assert.Single(metrics.Series(Tokens, (Deployment, "ms-claude"), ("gen_ai_token_type", "output")));
        Assert.Equal("chat", claude.Labels["gen_ai_operation_name"]);
        Assert.Equal("anthropic", claude.Labels["gen_ai_provider_name"]);
        Assert.Equal("claude-sonnet-4-5", claude.Labels["gen_ai_request_model"]);
        Assert.Equal("claude-sonnet-4-5", claude.Labels["gen_ai_response_model"]);
        Assert.Equal("ms-stream", claude.Labels[Route]);

        // Time to first token: one observation per streamed request, none for the others.
        Assert.Equal(2, MsRoutes(metrics, "gen_ai_server_time_to_first_token_seconds_count"));
        Assert.Equal(2, metrics.Sum("gen_ai_server_time_to_first_token_seconds_count", (Route, "ms-stream")));
        Assert.Equal(2, metrics.Sum("gen_ai_server_time_per_output_token_seconds_count", (Route, "ms-stream")));
        Assert.Equal(2, metrics.Sum("gen_ai_server_time_to_first_token_seconds_bucket", (Route, "ms-stream"), ("le", "+Inf")));

        // Operation duration: one per attempt; the failed attempt carries error.type.
        Assert.Equal(7, MsRoutes(metrics, "gen_ai_client_operation_duration_seconds_count"));
        var failed = Assert.Single(metrics.Series("gen_ai_client_operation_duration_seconds_count", (Deployment, "ms-broken")));
        Assert.Equal("upstream_broke", failed.Labels["error_type"]);
        Assert.Equal(1, failed.Value);
        Assert.Equal("context_length_exceeded", Assert.Single(metrics.Series("gen_ai_client_operation_duration_seconds_count", (Deployment, "ms-rejecting"))).Labels["error_type"]);
        Assert.DoesNotContain(metrics.Series("gen_ai_client_operation_duration_seconds_count", (Deployment, "ms-openai")), s => s.Labels.ContainsKey("error_type"));

        // Requests by route, policy, deployment and outcome.
        const string Requests = "llmrouter_requests_total";
        Assert.Equal("counter", metrics.Types[Requests]);
        Assert.Equal(2, metrics.Sum(Requests, (Route, "ms-chat"), ("llmrouter_policy", "RoundRobin"), (Deployment, "ms-openai"), ("llmrouter_outcome", "success"), ("http_response_status_code", "200")));
        Assert.Equal(2, metrics.Sum(Requests, (Route, "ms-stream"), ("llmrouter_policy", "LeastConnections"), ("llmrouter_outcome", "success")));
        Assert.Equal(1, metrics.Sum(Requests, (Route, "ms-fallback"), (Deployment, "ms-backup"), ("llmrouter_outcome", "success")));
        Assert.Equal(1, metrics.Sum(Requests, (Route, "ms-reject"), ("llmrouter_outcome", "client_error"), ("http_response_status_code", "400")));
        Assert.Equal(5, MsRoutes(metrics, Requests, ("llmrouter_outcome", "success")));
        Assert.Equal(1, MsRoutes(metrics, Requests, ("llmrouter_outcome", "client_error")));

        // Attempts, retries and the one fallback.
        Assert.Equal(1, metrics.Sum("llmrouter_upstream_attempts_total", (Deployment, "ms-broken"), ("llmrouter_outcome", "error")));
        Assert.Equal(2, metrics.Sum("llmrouter_upstream_attempts_total", (Deployment, "ms-openai"), ("llmrouter_outcome", "success")));
        Assert.Equal(1, MsRoutes(metrics, "llmrouter_fallbacks_total"));
        Assert.Equal(1, metrics.Sum("llmrouter_fallbacks_total", (Route, "ms-fallback"), (Deployment, "ms-backup")));
        Assert.Equal(1, metrics.Sum("llmrouter_retries_total", (Route, "ms-fallback")));
        Assert.Equal(0, metrics.Sum("llmrouter_retries_total", (Route, "ms-chat")));

        // Decisions by policy and deployment; overhead once per request.
        Assert.Equal(2, metrics.Sum("llmrouter_routing_decisions_total", ("llmrouter_policy", "LeastConnections"), (Deployment, "ms-claude"), ("llmrouter_category", "none")));
        Assert.Equal(2, metrics.Sum("llmrouter_gateway_overhead_seconds_count", (Route, "ms-chat")));
        Assert.Equal("histogram", metrics.Types["llmrouter_gateway_overhead_seconds"]);

        // Cost from configured prices and the reported usage: (24 × 1000 + 10 × 2000) / 1e6.
        Assert.Equal(0.044, metrics.Sum("llmrouter_cost_usd_total", (Route, "ms-chat"), (Deployment, "ms-openai")), 9);

        // Live per-deployment gauges.
        Assert.Equal("gauge", metrics.Types["llmrouter_deployment_circuit_state"]);
        Assert.Equal(0, Assert.Single(metrics.Series("llmrouter_deployment_circuit_state", (Deployment, "ms-broken"))).Value);
        Assert.Equal(0, Assert.Single(metrics.Series("llmrouter_deployment_in_flight", (Deployment, "ms-openai"))).Value);
        Assert.Equal(0, Assert.Single(metrics.Series("llmrouter_deployment_cooldown", (Deployment, "ms-openai"))).Value);
        Assert.True(Assert.Single(metrics.Series("llmrouter_deployment_error_rate", (Deployment, "ms-broken"))).Value > 0.5);
        Assert.True(Assert.Single(metrics.Series("llmrouter_deployment_latency_ewma_seconds", (Deployment, "ms-openai"))).Value > 0);

        // The host instrumentation is on the same endpoint.
        Assert.Contains("http_server_request_duration_seconds", metrics.Types.Keys);
        Assert.Contains(metrics.Types.Keys, name => name.StartsWith("dotnet_", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        _client.Dispose();
        _gateway.Dispose();
        _openAI.Dispose();
        _anthropic.Dispose();
        _broken.Dispose();
        _rejecting.Dispose();
    }

    // Only this class's routes: other gateways in the process may export through the same meter name.
    private static double MsRoutes(PrometheusText metrics, string name, params (string Label, string Value)[] labels)
        => metrics.Series(name, labels).Where(s => s.Labels.TryGetValue(Route, out var route) && route.StartsWith("ms-", StringComparison.Ordinal)).Sum(s => s.Value);

    private async Task<PrometheusText> ScrapeAsync()
    {
        using var response = await _client.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }
}
