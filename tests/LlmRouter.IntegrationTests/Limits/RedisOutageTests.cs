using System.Net;
using System.Diagnostics.Metrics;
using LlmRouter.IntegrationTests.Infrastructure;
using LlmRouter.IntegrationTests.Resilience;
using LlmRouter.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRouter.IntegrationTests.Limits;

/// <summary>
/// Redis stopped mid-test (a private redis-server this test owns and kills): <c>Open</c> keeps serving with
/// per-replica limits and reports the degradation, then shares limits again once Redis is back; <c>Closed</c>
/// refuses with 503 and Retry-After. Never a hang.
/// </summary>
public sealed class RedisOutageTests : IAsyncLifetime
{
    private readonly TenantUpstream _upstream = new();
    private readonly RedisServer _redis = RedisServer.StartPrivate();
    private readonly string _secret = "llmr-" + Guid.NewGuid().ToString("N");
    private KestrelUpstream _server = null!;

    public async Task InitializeAsync() => _server = await KestrelUpstream.StartAsync(_upstream.HandleAsync);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _redis.Dispose();
    }

    [Fact]
    public async Task RedisStopped_OpenMode_KeepsServingWithGaugeOne_RedisBack_SharedLimitsAgain()
    {
        using var fleet = new GatewayFleet(2, Tenants.Catalog(_server.Url), Settings("Open", requestsPerMinute: 10));
        var clients = fleet.Clients(_secret);
        using (var before = await Tenants.PostChatAsync(clients[0]))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        _redis.Stop();
        for (var i = 0; i < 4; i++)
        {
            using var during = await Tenants.PostChatAsync(clients[i % 2]).WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(HttpStatusCode.OK, during.StatusCode);
        }

        foreach (var instance in fleet.Instances)
        {
            Assert.Equal("degraded", await LimitsStoreAsync(instance));
            Assert.Equal(1, await GaugeSettlesAtAsync(instance, 1));
        }

        // Back, and empty: limits are counted in Redis again, for both instances together.
        _redis.Start();
        foreach (var instance in fleet.Instances)
        {
            // The fleet sync tries Redis again at most once a second while degraded.
            Assert.Equal("redis", await FleetLimitsTests.WaitForAsync(() => LimitsStoreAsync(instance), s => s == "redis", TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(0, await GaugeSettlesAtAsync(fleet[0], 0));
        Assert.Equal(0, (await Tenants.KeyUsageAsync(fleet[0], "outage")).GetProperty("requestsLastMinute").GetInt64());
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            using var after = await Tenants.PostChatAsync(clients[i % 2]);
            statuses.Add(after.StatusCode);
        }

        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task RedisStopped_ClosedMode_Answers503WithRetryAfterAtOnce()
    {
        using var gateway = new GatewayApp(Tenants.Catalog(_server.Url), Settings("Closed", requestsPerMinute: 100));
        using var client = Tenants.Client(gateway, _secret);
        using (var before = await Tenants.PostChatAsync(client))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        _redis.Stop();
        using var during = await Tenants.PostChatAsync(client).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Equal("1", during.Headers.GetValues("Retry-After").Single());
        Assert.Equal("limits_unavailable", (await Tenants.ErrorAsync(during)).GetProperty("code").GetString());
        Assert.Equal(1, _upstream.Requests);
    }

    private Dictionary<string, string?> Settings(string failMode, int requestsPerMinute)
        => Tenants.Key("outage", _secret, ("RequestsPerMinute", requestsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .With("LlmRouter:Redis:Configuration", _redis.Address)
            .With("LlmRouter:Redis:FailMode", failMode);

    /// <summary>The store /readyz reports (read live; the metrics endpoint may serve a cached scrape).</summary>
    private static async Task<string?> LimitsStoreAsync(GatewayApp gateway)
    {
        using var client = gateway.CreateClient();
        using var ready = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/readyz"));
        return ready.RootElement.GetProperty("limits").GetString();
    }

    /// <summary>
    /// The instance's own <c>llmrouter.limits.degraded</c> gauge, observed through a listener on its meter: a
    /// <c>/metrics</c> scrape in a process hosting several gateways can lose a same-named meter's streams when
    /// another host is disposed (see Hardening/MetricTagSets).
    /// </summary>
    private static int? DegradedGauge(GatewayApp gateway)
    {
        var meter = gateway.Services.GetRequiredService<GatewayMetrics>().Meter;
        int? value = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "llmrouter.limits.degraded")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, measurement, _, _) => value = measurement);
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }

    private static Task<int?> GaugeSettlesAtAsync(GatewayApp gateway, int expected)
        => FleetLimitsTests.WaitForAsync(() => Task.FromResult(DegradedGauge(gateway)), v => v == expected, TimeSpan.FromSeconds(5));
}
