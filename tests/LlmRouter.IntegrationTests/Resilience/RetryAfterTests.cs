using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using LlmRouter.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.IntegrationTests.Resilience;

/// <summary>
/// A 429 with Retry-After: waited out on the same deployment when the route allows that long a wait, otherwise an
/// immediate failover, with the rate-limited deployment left alone until its Retry-After has passed.
/// </summary>
public sealed class RetryAfterTests : IAsyncLifetime
{
    private readonly RateLimitOnce _limiter = new();
    private KestrelUpstream _first = null!;
    private KestrelUpstream _second = null!;

    public async Task InitializeAsync()
    {
        _first = await KestrelUpstream.StartAsync(context => _limiter.HandleAsync(context, "first"));
        _second = await KestrelUpstream.StartAsync(context => _limiter.HandleAsync(context, "second"));
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task RetryAfterWithinRouteLimit_WaitsAndRetriesSameDeployment()
    {
        _limiter.RetryAfterSeconds = 1;
        using var gateway = new GatewayApp(Catalog(retrySameWithinSeconds: 2));
        using var client = gateway.CreateClient();

        var watch = Stopwatch.StartNew();
        using var response = await client.PostAsync("/v1/chat/completions", OpenAIWire.Request("pair"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2", response.Headers.GetValues("x-llmrouter-attempts").Single());
        var limited = _limiter.LimitedDeployment!;
        Assert.Equal(limited, response.Headers.GetValues("x-llmrouter-deployment").Single());
        Assert.Equal(2, _limiter.Count(limited));
        Assert.Equal(0, _limiter.Count(limited == "first" ? "second" : "first"));
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"the retry came after {watch.Elapsed}, before Retry-After");
    }

    [Fact]
    public async Task RetryAfterBeyondRouteLimit_FailsOverAtOnceAndSparesCooledDeploymentUntilRetryAfter()
    {
        _limiter.RetryAfterSeconds = 10;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var gateway = new GatewayApp(Catalog(retrySameWithinSeconds: 0), services: s => s.AddSingleton<TimeProvider>(time));
        using var client = gateway.CreateClient();

        using (var response = await client.PostAsync("/v1/chat/completions", OpenAIWire.Request("pair")))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("2", response.Headers.GetValues("x-llmrouter-attempts").Single());
            var served = response.Headers.GetValues("x-llmrouter-deployment").Single();
            Assert.NotEqual(_limiter.LimitedDeployment, served);
        }

        var limited = _limiter.LimitedDeployment!;
        var other = limited == "first" ? "second" : "first";
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.PostAsync("/v1/chat/completions", OpenAIWire.Request("pair"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(other, response.Headers.GetValues("x-llmrouter-deployment").Single());
            Assert.Equal("1", response.Headers.GetValues("x-llmrouter-attempts").Single());
        }

        Assert.Equal(1, _limiter.Count(limited));
        Assert.Equal(5, _limiter.Count(other));

        time.Advance(TimeSpan.FromSeconds(11));
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.PostAsync("/v1/chat/completions", OpenAIWire.Request("pair"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.True(_limiter.Count(limited) > 1, "the deployment got no traffic after its Retry-After passed");
    }

    [Fact]
    public async Task EveryCandidateCoolingDown_Answers429WithSmallestRetryAfter()
    {
        _limiter.RetryAfterSeconds = 20;
        _limiter.LimitEveryRequest = true;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var gateway = new GatewayApp(Catalog(retrySameWithinSeconds: 0), services: s => s.AddSingleton<TimeProvider>(time));
        using var client = gateway.CreateClient();

        using (var first = await client.PostAsync("/v1/chat/completions", OpenAIWire.Request("pair")))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        }

        time.Advance(TimeSpan.FromSeconds(5));
        using var response = await client.PostAsync("/v1/chat/completions", OpenAIWire.Request("pair"));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("15", response.Headers.GetValues("retry-after").Single());
        Assert.Equal(1, _limiter.Count("first"));
        Assert.Equal(1, _limiter.Count("second"));
    }

    private TestCatalog Catalog(double retrySameWithinSeconds)
        => new TestCatalog()
            .Deployment("first", "OpenAI", _first.Url, model: "gpt-4o")
            .Deployment("second", "OpenAI", _second.Url, model: "gpt-4o")
            .Route("pair", "RoundRobin", ["first", "second"], route => route["Resilience"] = new JsonObject
            {
                ["MaxAttempts"] = 3,
                ["BackoffMilliseconds"] = 0,
                ["RetrySameDeploymentWithinSeconds"] = retrySameWithinSeconds,
            });

    /// <summary>Two upstreams sharing one rule: the first request either receives is rate limited, the rest answer.</summary>
    private sealed class RateLimitOnce
    {
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();

        public int RetryAfterSeconds { get; set; }

        public bool LimitEveryRequest { get; set; }

        public string? LimitedDeployment { get; private set; }

        public int Count(string deployment)
        {
            lock (_lock)
            {
                return _counts.GetValueOrDefault(deployment);
            }
        }

        public async Task HandleAsync(HttpContext context, string deployment)
        {
            bool limit;
            lock (_lock)
            {
                _counts[deployment] = _counts.GetValueOrDefault(deployment) + 1;
                limit = LimitEveryRequest || LimitedDeployment is null;
                LimitedDeployment ??= deployment;
            }

            context.Response.ContentType = "application/json";
            if (limit)
            {
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await context.Response.WriteAsync(OpenAIWire.RateLimited);
                return;
            }

            await context.Response.WriteAsync(OpenAIWire.Completion("ok from " + deployment));
        }
    }
}
