using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRouter.IntegrationTests.Infrastructure;
using LlmRouter.Routing.Stats;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRouter.IntegrationTests.Resilience;

/// <summary>
/// Upstream-controlled data is bounded (body size, event size, Retry-After), and a provider rejecting the
/// gateway's own key is the gateway's problem: each is a failure charged to the deployment, never passed on raw.
/// </summary>
public sealed class UpstreamLimitsTests
{
    private const int MaxBytes = 4096;

    [Fact]
    public async Task NonStreamingBodyOverTheLimit_IsA502ChargedToTheDeploymentAndFailsOver()
    {
        var huge = OpenAIWire.Completion(new string('x', MaxBytes * 2));
        await using var primary = await KestrelUpstream.StartAsync(context => WriteJsonAsync(context, 200, huge));
        await using var fixture = await Fixture.StartAsync(primary.Url, withFallback: true);

        using var response = await fixture.Client.PostAsync("/v1/chat/completions", OpenAIWire.Request("route"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("fallback", response.Headers.GetValues("x-llmrouter-deployment").Single());
        Assert.Equal(1.0, fixture.Stats("primary").ErrorRate, 1);
    }

    [Fact]
    public async Task NonStreamingBodyOverTheLimit_NoFallback_Is502WithAnOpenAIError()
    {
        var huge = OpenAIWire.Completion(new string('x', MaxBytes * 2));
        await using var primary = await KestrelUpstream.StartAsync(context => WriteJsonAsync(context, 200, huge));
        await using var fixture = await Fixture.StartAsync(primary.Url, withFallback: false);

        using var response = await fixture.Client.PostAsync("/v1/chat/completions", OpenAIWire.Request("route"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_response_too_large", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task StreamEventOverTheLimit_BeforeTheFirstToken_FailsOver()
    {
        await using var primary = await KestrelUpstream.StartAsync(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + new string('x', MaxBytes * 2));
            await context.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted);
        });
        await using var fixture = await Fixture.StartAsync(primary.Url, withFallback: true);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = OpenAIWire.Request("route", stream: true) };
        using var response = await fixture.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var capture = await StreamCapture.ReadAsync(response);

        Assert.Equal("fallback", response.Headers.GetValues("x-llmrouter-deployment").Single());
        Assert.True(capture.EndedWithDone);
        Assert.Equal(1.0, fixture.Stats("primary").ErrorRate, 1);
    }

    [Fact]
    public async Task HugeRetryAfter_CooldownAndHeaderAreCapped()
    {
        await using var primary = await KestrelUpstream.StartAsync(context =>
        {
            context.Response.Headers.RetryAfter = "99999999";
            return WriteJsonAsync(context, 429, OpenAIWire.RateLimited);
        });
        await using var fixture = await Fixture.StartAsync(primary.Url, withFallback: false);

        using var response = await fixture.Client.PostAsync("/v1/chat/completions", OpenAIWire.Request("route"));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("60", response.Headers.GetValues("Retry-After").Single());
        var stats = fixture.Stats("primary");
        Assert.True(stats.IsCoolingDown);
        Assert.InRange((stats.CooldownUntil!.Value - stats.AsOf).TotalSeconds, 1, 60);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public async Task ProviderRejectsTheGatewaysKey_ClientGets502WithoutTheProvidersText(int status)
    {
        await using var primary = await KestrelUpstream.StartAsync(context => WriteJsonAsync(context, status,
            """{"error":{"message":"Incorrect API key provided: sk-fake***abcd. You can find your API key at https://platform.openai.com.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"""));
        await using var fixture = await Fixture.StartAsync(primary.Url, withFallback: false);

        using var response = await fixture.Client.PostAsync("/v1/chat/completions", OpenAIWire.Request("route"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("sk-", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Incorrect API key", body, StringComparison.Ordinal);
        Assert.Equal("upstream_authentication_error", await ErrorCodeAsync(response));
        Assert.True(fixture.Stats("primary").IsCoolingDown);
    }

    [Fact]
    public async Task ProviderRejectsTheGatewaysKey_FallbackAnswersAndTheDeploymentStaysOutOfRotation()
    {
        var calls = 0;
        await using var primary = await KestrelUpstream.StartAsync(context =>
        {
            Interlocked.Increment(ref calls);
            return WriteJsonAsync(context, 401, """{"error":{"message":"Incorrect API key provided: sk-fake","type":"invalid_request_error","code":"invalid_api_key"}}""");
        });
        await using var fixture = await Fixture.StartAsync(primary.Url, withFallback: true);

        for (var i = 0; i < 3; i++)
        {
            using var response = await fixture.Client.PostAsync("/v1/chat/completions", OpenAIWire.Request("route"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("fallback", response.Headers.GetValues("x-llmrouter-deployment").Single());
        }

        Assert.Equal(1, Volatile.Read(ref calls));
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("error").GetProperty("code").GetString();
    }

    private sealed class Fixture : IAsyncDisposable
    {
        private readonly KestrelUpstream _fallback;
        private readonly GatewayApp _gateway;

        private Fixture(KestrelUpstream fallback, GatewayApp gateway)
        {
            _fallback = fallback;
            _gateway = gateway;
            Client = gateway.CreateClient();
        }

        public HttpClient Client { get; }

        public static async Task<Fixture> StartAsync(string primaryUrl, bool withFallback)
        {
            var fallback = await KestrelUpstream.StartAsync(context => OpenAIWire.AnswerAsync(context, "from the fallback"));
            var catalog = new TestCatalog()
                .Deployment("primary", "OpenAI", primaryUrl, model: "gpt-4o", apiKeyVariable: "TEST_KEY")
                .Deployment("fallback", "OpenAI", fallback.Url, model: "gpt-4o", apiKeyVariable: "TEST_KEY")
                .Route("route", "RoundRobin", ["primary"], route =>
                {
                    if (withFallback)
                    {
                        route["Fallbacks"] = new JsonArray("fallback");
                    }

                    route["Resilience"] = new JsonObject { ["BackoffMilliseconds"] = 0, ["TimeToFirstTokenTimeoutSeconds"] = 2 };
                })
                .Set("Limits", new JsonObject
                {
                    ["MaxUpstreamResponseBytes"] = MaxBytes,
                    ["MaxUpstreamEventBytes"] = MaxBytes,
                    ["MaxRetryAfterSeconds"] = 60,
                    ["AuthenticationFailureCooldownSeconds"] = 30,
                });
            return new Fixture(fallback, new GatewayApp(catalog, new Dictionary<string, string?> { ["TEST_KEY"] = "upstream-secret" }));
        }

        public DeploymentStatsSnapshot Stats(string deployment) => _gateway.Services.GetRequiredService<LiveStatsStore>().Get(deployment).Snapshot();

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            _gateway.Dispose();
            await _fallback.DisposeAsync();
        }
    }
}
