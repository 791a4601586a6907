using System.Globalization;
using LlmRouter.Hosting;
using LlmRouter.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using WireMock.Server;
using static LlmRouter.IntegrationTests.Telemetry.TelemetryFakes;

namespace LlmRouter.IntegrationTests.Telemetry;

/// <summary>
/// Captures every log event of a gateway (most categories at Verbose) through a container-registered sink and
/// checks what the request log line says and what no line ever says: keys, prompts, completions.
/// </summary>
public sealed class RequestLogTests : IDisposable
{
    private const string UpstreamKey = "sk-test-SECRET123";
    private const string ClientKey = "sk-client-SECRET456";
    private const string AdminKey = "admin-SECRET789";
    private const string Prompt = "PROMPT-MARKER-zebra-quartz";

    private readonly WireMockServer _openAI = Upstreams.Start();
    private readonly WireMockServer _broken = Upstreams.Start();
    private readonly WireMockServer _slow = Upstreams.Start();
    private readonly CapturingSink _sink = new();
    private readonly GatewayApp _gateway;
    private readonly HttpClient _client;

    public RequestLogTests()
    {
        StubOpenAI(_openAI);
        StubOpenAIError(_broken, 500, "server_error", "upstream_broke");
        ProviderFakes.StubOpenAI(_slow, WireMock.ResponseBuilders.Response.Create().WithDelay(TimeSpan.FromSeconds(3)).WithStatusCode(200));
        var catalog = new TestCatalog()
            .Deployment("log-openai", "OpenAI", _openAI.Url!, model: "gpt-4o", apiKeyVariable: "TEST_LOG_KEY")
            .Deployment("log-broken", "OpenAI", _broken.Url!, model: "gpt-4o", apiKeyVariable: "TEST_LOG_KEY")
            .Route("log-chat", "RoundRobin", ["log-openai"])
            .Deployment("log-slow", "OpenAI", _slow.Url!, model: "gpt-4o", apiKeyVariable: "TEST_LOG_KEY")
            .Route("log-failing", "RoundRobin", ["log-broken"])
            .Route("log-slow", "RoundRobin", ["log-slow"]);
        var settings = new Dictionary<string, string?>
        {
            ["TEST_LOG_KEY"] = UpstreamKey,
            ["LLMROUTER_ADMIN_KEY"] = AdminKey,
            // The default stays Warning (GatewayApp); these categories are opened all the way to catch leaks anywhere.
            ["Serilog:MinimumLevel:Override:LlmRouter"] = "Verbose",
            ["Serilog:MinimumLevel:Override:Yarp"] = "Verbose",
            ["Serilog:MinimumLevel:Override:System.Net.Http"] = "Verbose",
            ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Verbose",
        };
        _gateway = Gateway(catalog, settings, services => services.AddSingleton<ILogEventSink>(_sink));
        _client = _gateway.CreateClient();
    }

    [Fact]
    public async Task Logs_ByDefault_NeverContainKeysPromptsOrCompletions()
    {
        Assert.Equal(200, (await SendAsync(_client, ChatRequest("log-chat", Prompt, clientKey: ClientKey))).Status);
        Assert.Equal(200, (await SendAsync(_client, ChatRequest("log-chat", Prompt + " again", clientKey: ClientKey))).Status);
        Assert.Equal(500, (await SendAsync(_client, ChatRequest("log-failing", Prompt, clientKey: ClientKey))).Status);
        using (var admin = new HttpRequestMessage(HttpMethod.Get, "/admin/deployments"))
        {
            admin.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
            Assert.Equal(200, (await SendAsync(_client, admin)).Status);
        }

        Assert.Equal(4, await EventuallyAsync(() => Task.FromResult(RequestLines().Count), count => count >= 4));

        // The upstream really received the key, so its absence from the logs means something.
        Assert.Contains(_openAI.LogEntries, e => e.RequestMessage.Headers!["Authorization"].Contains("Bearer " + UpstreamKey));
        Assert.True(_sink.Events.Count > 4, "Verbose categories should have produced more than the request lines.");
        var rendered = _sink.Events.Select(Render).ToList();
        foreach (var secret in new[] { UpstreamKey, "SECRET123", ClientKey, "SECRET456", AdminKey, "SECRET789", Prompt, CompletionText })
        {
            Assert.DoesNotContain(rendered, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task RequestLine_CarriesRoutingTokensDurationsAndTraceIds()
    {
        Assert.Equal(200, (await SendAsync(_client, ChatRequest("log-chat", "hello"))).Status);
        Assert.Equal(500, (await SendAsync(_client, ChatRequest("log-failing", "hello"))).Status);

        var lines = await EventuallyAsync(() => Task.FromResult(RequestLines()), l => l.Count >= 2);
        var ok = Assert.Single(lines, e => Scalar(e, "Route") as string == "log-chat");
        Assert.Equal(LogEventLevel.Information, ok.Level);
        Assert.Equal("RoundRobin", Scalar(ok, "Policy"));
        Assert.Equal("log-openai", Scalar(ok, "Deployment"));
        Assert.Equal(1, Scalar(ok, "Attempts"));
        Assert.Equal(200, Scalar(ok, "StatusCode"));
        Assert.Equal(OpenAIPromptTokens, Scalar(ok, "PromptTokens"));
        Assert.Equal(OpenAICompletionTokens, Scalar(ok, "CompletionTokens"));
        Assert.Equal(OpenAICachedTokens, Scalar(ok, "CachedTokens"));
        var total = Convert.ToDouble(Scalar(ok, "TotalMs"), CultureInfo.InvariantCulture);
        var upstream = Convert.ToDouble(Scalar(ok, "UpstreamMs"), CultureInfo.InvariantCulture);
        var gateway = Convert.ToDouble(Scalar(ok, "GatewayMs"), CultureInfo.InvariantCulture);
        Assert.True(upstream > 0 && total >= upstream, $"total {total} upstream {upstream}");
        Assert.InRange(gateway, total - upstream - 0.01, total - upstream + 0.01);
        Assert.False(ok.Properties.ContainsKey("ErrorType"));
        Assert.NotNull(ok.TraceId);
        Assert.NotNull(ok.SpanId);

        // W3C trace context reaches the upstream: the same trace as the log line.
        var traceparent = Assert.Single(_openAI.LogEntries).RequestMessage.Headers!["traceparent"].Single();
        Assert.Equal(ok.TraceId.ToString(), traceparent.Split('-')[1]);

        var json = Render(ok);
        Assert.Contains($"\"@tr\":\"{ok.TraceId}\"", json, StringComparison.Ordinal);
        Assert.Contains($"\"@sp\":\"{ok.SpanId}\"", json, StringComparison.Ordinal);
        Assert.Contains("\"Route\":\"log-chat\"", json, StringComparison.Ordinal);

        var failed = Assert.Single(lines, e => Scalar(e, "Route") as string == "log-failing");
        Assert.Equal(500, Scalar(failed, "StatusCode"));
        Assert.Equal("upstream_broke", Scalar(failed, "ErrorType"));
        Assert.Equal("log-broken", Scalar(failed, "Deployment"));
    }

    public void Dispose()
    {
        _client.Dispose();
        _gateway.Dispose();
        _openAI.Dispose();
        _broken.Dispose();
        _slow.Dispose();
    }

    [Fact]
    public async Task ClientThatLeavesBeforeItsAnswer_IsLogged499AtInformationWithoutException()
    {
        using var leaving = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.SendAsync(ChatRequest("log-slow", "hello"), leaving.Token));

        var lines = await EventuallyAsync(() => Task.FromResult(RequestLines()), l => l.Count >= 1);
        var line = Assert.Single(lines);
        Assert.Equal(RequestLogMiddleware.ClientClosedRequest, Scalar(line, "StatusCode"));
        Assert.Equal(LogEventLevel.Information, line.Level);
        Assert.Null(line.Exception);
        Assert.DoesNotContain(_sink.Events, e => e.Level >= LogEventLevel.Error);
    }

    private static object? Scalar(LogEvent e, string name)
        => e.Properties.TryGetValue(name, out var value) && value is ScalarValue scalar ? scalar.Value : null;

    // The gateway's JSON console format (message rendered, all properties, trace ids), plus the exception.
    private static string Render(LogEvent e)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        LlmRouterLoggingExtensions.CreateJsonFormatter().Format(e, writer);
        return writer + (e.Exception?.ToString() ?? "");
    }

    private List<LogEvent> RequestLines()
        => _sink.Events.Where(e => e.Properties.ContainsKey("RequestPath") && e.Properties.ContainsKey("Elapsed")).ToList();
}
