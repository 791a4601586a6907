using System.Net;
using System.Text.Json.Nodes;
using LlmRouter.IntegrationTests.Infrastructure;
using LlmRouter.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using WireMock.Server;

namespace LlmRouter.IntegrationTests.Resilience;

/// <summary>The per-deployment breaker opens after the configured failures, spares the deployment, probes once and closes.</summary>
public sealed class CircuitBreakerTests : IDisposable
{
    private readonly WireMockServer _upstream = Upstreams.Start();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly GatewayApp _gateway;
    private readonly HttpClient _client;

    public CircuitBreakerTests()
    {
        var catalog = new TestCatalog()
            .Deployment("flaky", "OpenAI", _upstream.Url!, model: "gpt-4o")
            .Route("solo", "RoundRobin", ["flaky"], route => route["Resilience"] = new JsonObject { ["MaxAttempts"] = 2, ["BackoffMilliseconds"] = 0 })
            .Set("CircuitBreaker", new JsonObject
            {
                ["FailureRatio"] = 0.5,
                ["MinimumThroughput"] = 2,
                ["SamplingDurationSeconds"] = 30,
                ["BreakDurationSeconds"] = 5,
            });
        _gateway = new GatewayApp(catalog, services: s => s.AddSingleton<TimeProvider>(_time));
        _client = _gateway.CreateClient();
    }

    [Fact]
    public async Task Breaker_OpensAfterFailures_SparesDeployment_ProbesAfterBreak_ClosesOnSuccess()
    {
        Answer(500);
        for (var i = 0; i < 2; i++)
        {
            using var failed = await Send();
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        Assert.Equal(2, _upstream.LogEntries.Count);
        Assert.Equal(CircuitState.Open, Breakers.StateOf("flaky"));

        for (var i = 0; i < 3; i++)
        {
            using var open = await Send();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, open.StatusCode);
        }

        Assert.Equal(2, _upstream.LogEntries.Count);

        Answer(200);
        _time.Advance(TimeSpan.FromSeconds(4));
        using (var stillOpen = await Send())
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, stillOpen.StatusCode);
        }

        Assert.Equal(2, _upstream.LogEntries.Count);

        _time.Advance(TimeSpan.FromSeconds(1.5));
        using (var probe = await Send())
        {
            Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        }

        Assert.Equal(3, _upstream.LogEntries.Count);

        // The client can have the whole answer a moment before the gateway's forwarder returns and records the
        // probe's outcome, so the state is read once the gateway has caught up (bounded).
        Assert.Equal(CircuitState.Closed, await EventuallyAsync(() => Breakers.StateOf("flaky"), CircuitState.Closed));

        using (var closed = await Send())
        {
            Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        }

        Assert.Equal(4, _upstream.LogEntries.Count);
    }

    [Fact]
    public async Task Breaker_FailedProbe_ReopensForAnotherBreak()
    {
        Answer(500);
        for (var i = 0; i < 2; i++)
        {
            using var failed = await Send();
        }

        _time.Advance(TimeSpan.FromSeconds(5.5));
        using (var probe = await Send())
        {
            Assert.Equal(HttpStatusCode.InternalServerError, probe.StatusCode);
        }

        Assert.Equal(3, _upstream.LogEntries.Count);
        Assert.Equal(CircuitState.Open, Breakers.StateOf("flaky"));
        using (var open = await Send())
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, open.StatusCode);
        }

        Assert.Equal(3, _upstream.LogEntries.Count);
    }

    public void Dispose()
    {
        _client.Dispose();
        _gateway.Dispose();
        _upstream.Dispose();
    }

    private DeploymentCircuitBreakers Breakers => _gateway.Services.GetRequiredService<DeploymentCircuitBreakers>();

    private static async Task<CircuitState> EventuallyAsync(Func<CircuitState> read, CircuitState expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        var state = read();
        while (state != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
            state = read();
        }

        return state;
    }

    private Task<HttpResponseMessage> Send() => _client.PostAsync("/v1/chat/completions", OpenAIWire.Request("solo"));

    private void Answer(int status)
    {
        _upstream.ResetMappings();
        ProviderFakes.StubOpenAI(_upstream, status == 200 ? OpenAIWire.Completion("recovered") : OpenAIWire.ServerError, status: status);
    }
}
