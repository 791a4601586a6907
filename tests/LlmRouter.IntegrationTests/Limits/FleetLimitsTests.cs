using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using LlmRouter.Configuration;
using LlmRouter.IntegrationTests.Infrastructure;
using LlmRouter.IntegrationTests.Resilience;
using LlmRouter.Limits;
using Xunit.Abstractions;

namespace LlmRouter.IntegrationTests.Limits;

/// <summary>
/// Three gateway instances on real Kestrel ports sharing the real Redis from <c>LLMROUTER_TEST_REDIS</c>: limits,
/// budgets, leases, runtime keys and cooldowns hold for the fleet, not per replica. Key and deployment names are
/// unique per test, so tests sharing the Redis never share counters.
/// </summary>
public sealed class FleetLimitsTests : IAsyncLifetime
{
    private readonly ITestOutputHelper _output;
    private readonly TenantUpstream _upstream = new();
    private readonly string _redis = RedisServer.SharedAddress();
    private readonly string _model = Tenants.Unique("fleet");
    private readonly string _keyName = Tenants.Unique("key");
    private readonly string _secret = "llmr-" + Guid.NewGuid().ToString("N");
    private KestrelUpstream _server = null!;

    public FleetLimitsTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public async Task InitializeAsync() => _server = await KestrelUpstream.StartAsync(_upstream.HandleAsync);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task RequestsPerMinute30_NinetyConcurrentRequestsOverThreeInstances_ExactlyThirtyAccepted()
    {
        using var fleet = Fleet(("RequestsPerMinute", "30"));
        var clients = fleet.Clients(_secret);

        var responses = await Task.WhenAll(Enumerable.Range(0, 90).Select(i => Tenants.PostChatAsync(clients[i % 3], model: _model)));

        var accepted = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        _output.WriteLine($"fleet figure: RPM 30, 90 concurrent over 3 instances: {accepted} accepted");
        Assert.Equal(30, accepted);
        Assert.Equal(60, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        Assert.Equal(30, _upstream.Requests);
        Dispose(responses, clients);
    }

    [Fact]
    public async Task TokensPerMinute_StreamedRequestsOverThreeInstances_SettledTokensEqualReportedUsage()
    {
        using var fleet = Fleet(("TokensPerMinute", "1000000"));
        var clients = fleet.Clients(_secret);

        var responses = await Task.WhenAll(Enumerable.Range(0, 9).Select(i => ReadStreamAsync(clients[i % 3])));
        Assert.All(responses, status => Assert.Equal(HttpStatusCode.OK, status));

        const long Expected = 9 * (TenantUpstream.PromptTokens + TenantUpstream.CompletionTokens);
        var settled = await WaitForAsync(async () => (await Tenants.KeyUsageAsync(fleet[1], _keyName)).GetProperty("totalTokens").GetInt64(), v => v == Expected);
        Assert.Equal(Expected, settled);

        // The sliding minute holds real usage too: every estimate was replaced by what the upstream reported.
        var usage = await Tenants.KeyUsageAsync(fleet[2], _keyName);
        Assert.Equal(Expected, usage.GetProperty("tokensLastMinute").GetInt64());
        Dispose([], clients);
    }

    [Fact]
    public async Task Budget_ConcurrentRequestsOverThreeInstances_SpendNeverExceedsBudgetThenInsufficientQuota()
    {
        const double Budget = 0.05;
        using var fleet = Fleet(("BudgetUsd", Budget.ToString(CultureInfo.InvariantCulture)), ("BudgetWindow", "Total"));
        var clients = fleet.Clients(_secret);

        // Each request costs USD 0.018 (18 tokens at USD 0.001), reserved at about USD 0.022 with max_tokens 10.
        var statuses = new List<HttpStatusCode>();
        double maxSpent = 0;
        for (var wave = 0; wave < 4; wave++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Tenants.PostChatAsync(clients[i % 3], maxTokens: 10, model: _model)));
            statuses.AddRange(responses.Select(r => r.StatusCode));
            var spent = (await Tenants.KeyUsageAsync(fleet[wave % 3], _keyName)).GetProperty("spentUsd").GetDouble();
            maxSpent = Math.Max(maxSpent, spent);
            Dispose(responses, []);
        }

        var accepted = statuses.Count(s => s == HttpStatusCode.OK);
        var final = await WaitForAsync(async () => (await Tenants.KeyUsageAsync(fleet[0], _keyName)).GetProperty("totalCostUsd").GetDouble(), v => v >= accepted * 0.018 - 1e-9);
        _output.WriteLine($"fleet figure: budget USD {Budget}: {accepted} accepted, settled spend USD {final:0.######}, highest spend read between waves USD {maxSpent:0.######}, overshoot USD {Math.Max(0, final - Budget):0.######}");
        Assert.Equal(2, accepted);
        Assert.True(final <= Budget, $"spent {final} over budget {Budget}");
        Assert.True(maxSpent <= Budget, $"spent plus reservations {maxSpent} over budget {Budget}");

        using var refused = await Tenants.PostChatAsync(clients[1], maxTokens: 10, model: _model);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("insufficient_quota", (await Tenants.ErrorAsync(refused)).GetProperty("code").GetString());
        Dispose([], clients);
    }

    [Fact]
    public async Task MaxParallelRequests2_AcrossInstances_ThirdRefusedUntilOneEnds()
    {
        _upstream.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var fleet = Fleet(("MaxParallelRequests", "2"));
        var clients = fleet.Clients(_secret);

        var held = new[] { Tenants.PostChatAsync(clients[0], model: _model), Tenants.PostChatAsync(clients[1], model: _model) };
        Assert.True(await _upstream.Arrived.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await _upstream.Arrived.WaitAsync(TimeSpan.FromSeconds(10)));

        using (var refused = await Tenants.PostChatAsync(clients[2], model: _model))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Contains("parallel requests", (await Tenants.ErrorAsync(refused)).GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        _upstream.Gate.SetResult();
        Assert.All(await Task.WhenAll(held), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        // Leases are released by the settlement, just after each response ended.
        var status = await WaitForAsync(async () => { using var r = await Tenants.PostChatAsync(clients[2], model: _model); return r.StatusCode; }, s => s == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, status);
        Dispose([.. held.Select(h => h.Result)], clients);
    }

    [Fact]
    public async Task MaxParallelRequests_LeaseOfAReplicaThatNeverReleasesIt_ExpiresAfterLeaseSeconds()
    {
        using var fleet = Fleet(("MaxParallelRequests", "1"));
        var clients = fleet.Clients(_secret);
        foreach (var client in clients)
        {
            using var warm = await Tenants.PostChatAsync(client, model: _model);
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        Assert.Equal(0, await WaitForAsync(async () => (await Tenants.KeyUsageAsync(fleet[0], _keyName)).GetProperty("inFlight").GetInt64(), n => n == 0));

        // A replica that dies mid-request never settles: here a store client takes the lease and abandons it.
        using (var crashed = new RedisFleetStore(_redis))
        {
            var scope = new LimitScope("key", _keyName, new TenantLimitsOptions { MaxParallelRequests = 1 });
            var admitted = await crashed.AdmitAsync(new AdmissionRequest("crashed-replica", [scope], 1, 0, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(3)), CancellationToken.None);
            Assert.True(admitted.Admitted);
        }

        using (var refused = await Tenants.PostChatAsync(clients[0], model: _model))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        var watch = Stopwatch.StartNew();
        var status = await WaitForAsync(async () => { using var r = await Tenants.PostChatAsync(clients[watch.Elapsed.Seconds % 3], model: _model); return r.StatusCode; }, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(10));
        _output.WriteLine($"abandoned lease freed after {watch.Elapsed.TotalSeconds:0.0} s (lease 3 s)");
        Assert.Equal(HttpStatusCode.OK, status);
        Dispose([], clients);
    }

    [Fact]
    public async Task MaxParallelRequests_RequestOutlivingItsLease_KeepsItsSlotBecauseTheLeaseIsRenewed()
    {
        _upstream.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var fleet = new GatewayFleet(2, Tenants.Catalog(_server.Url, model: _model), Settings(("MaxParallelRequests", "1")).With("LlmRouter:Auth:LeaseSeconds", "1"));
        var clients = fleet.Clients(_secret);

        var held = Tenants.PostChatAsync(clients[0], model: _model);
        Assert.True(await _upstream.Arrived.WaitAsync(TimeSpan.FromSeconds(10)));

        // Three lease lifetimes later the request still runs, so its slot is still taken.
        await Task.Delay(TimeSpan.FromSeconds(3));
        using (var refused = await Tenants.PostChatAsync(clients[1], model: _model))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        _upstream.Gate.SetResult();
        using var done = await held;
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Dispose([], clients);
    }

    [Fact]
    public async Task RuntimeKey_CreatedOnOneInstance_WorksOnAll_RevokedOnOne_RefusedOnAllWithinOneSecond()
    {
        using var fleet = Fleet(("RequestsPerMinute", "1000"));
        using var admin = fleet[0].CreateClient();
        admin.DefaultRequestHeaders.Add("x-llmrouter-admin-key", Tenants.AdminKey);
        var name = Tenants.Unique("rt");

        using var created = await admin.PostAsync("/admin/keys", new StringContent($$"""{"name":"{{name}}","requestsPerMinute":100}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;
        var clients = fleet.Clients(key);

        var watch = Stopwatch.StartNew();
        foreach (var client in clients)
        {
            Assert.Equal(HttpStatusCode.OK, await WaitForAsync(async () => { using var r = await Tenants.PostChatAsync(client, model: _model); return r.StatusCode; }, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(1)));
        }

        _output.WriteLine($"runtime key usable on all 3 instances after {watch.Elapsed.TotalMilliseconds:0} ms");

        using var revoker = fleet[1].CreateClient();
        revoker.DefaultRequestHeaders.Add("x-llmrouter-admin-key", Tenants.AdminKey);
        using var revoked = await revoker.DeleteAsync($"/admin/keys/{name}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        watch.Restart();
        var delays = new List<double>();
        foreach (var client in clients)
        {
            var status = await WaitForAsync(async () => { using var r = await Tenants.PostChatAsync(client, model: _model); return r.StatusCode; }, s => s == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(1));
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            delays.Add(watch.Elapsed.TotalMilliseconds);
        }

        _output.WriteLine($"fleet figure: revocation refused on all 3 instances after {delays.Max():0} ms");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5));
        Dispose([], clients);
    }

    [Fact]
    public async Task RetryAfterSeenByOneInstance_KeepsEveryInstanceOffTheDeployment()
    {
        _upstream.RateLimitSeconds = 30;
        using var fleet = Fleet(("RequestsPerMinute", "1000"));
        var clients = fleet.Clients(_secret);

        using (var first = await Tenants.PostChatAsync(clients[0], model: _model))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        }

        var seen = _upstream.Requests;
        foreach (var instance in new[] { 1, 2 })
        {
            var cooling = await WaitForAsync(() => CoolingDownAsync(fleet[instance]), c => c, TimeSpan.FromSeconds(1));
            Assert.True(cooling, $"instance {instance} does not know the cooldown");
            using var response = await Tenants.PostChatAsync(clients[instance], model: _model);
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.InRange(int.Parse(response.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture), 25, 30);
        }

        Assert.Equal(seen, _upstream.Requests);
        Dispose([], clients);
    }

    [Fact]
    public async Task DeploymentAtItsRequestQuota_IsSkippedByEveryInstanceWith429AndTheReset()
    {
        var catalog = Tenants.Catalog(_server.Url, d => d["RequestsPerMinute"] = 3, _model);
        using var fleet = new GatewayFleet(3, catalog, Settings(("RequestsPerMinute", "1000")));
        var clients = fleet.Clients(_secret);

        for (var i = 0; i < 3; i++)
        {
            using var response = await Tenants.PostChatAsync(clients[i], model: _model);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        foreach (var instance in new[] { 0, 1, 2 })
        {
            Assert.True(await WaitForAsync(() => CoolingDownAsync(fleet[instance]), c => c, TimeSpan.FromSeconds(2)), $"instance {instance} does not skip the deployment");
            using var response = await Tenants.PostChatAsync(clients[instance], model: _model);
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.InRange(int.Parse(response.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture), 1, 60);
        }

        Assert.Equal(3, _upstream.Requests);
        Dispose([], clients);
    }

    [Fact]
    public async Task DeploymentRequestsPerMinute5_ThirtyConcurrentRequestsOverThreeInstances_ExactlyFiveReachTheProvider()
    {
        var catalog = Tenants.Catalog(_server.Url, d => d["RequestsPerMinute"] = 5, _model);
        using var fleet = new GatewayFleet(3, catalog, Settings(("RequestsPerMinute", "1000")));
        var clients = fleet.Clients(_secret);

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Tenants.PostChatAsync(clients[i % 3], model: _model)));

        var accepted = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        _output.WriteLine($"fleet figure: deployment RPM 5, 30 concurrent over 3 instances: {accepted} accepted, {_upstream.Requests} reached the provider");
        Assert.Equal(5, accepted);
        Assert.Equal(5, _upstream.Requests);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode);
            Assert.InRange(int.Parse(r.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture), 1, 60);
        });
        Dispose(responses, clients);
    }

    private GatewayFleet Fleet(params (string Field, string Value)[] limits)
        => new(3, Tenants.Catalog(_server.Url, model: _model), Settings(limits));

    private Dictionary<string, string?> Settings(params (string Field, string Value)[] limits)
        => Tenants.Key(_keyName, _secret, limits)
            .With("LlmRouter:Redis:Configuration", _redis)
            .With("LlmRouter:Auth:LeaseSeconds", "2");

    private async Task<HttpStatusCode> ReadStreamAsync(HttpClient client)
    {
        using var response = await Tenants.PostChatAsync(client, stream: true, model: _model);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("[DONE]", body, StringComparison.Ordinal);
        return response.StatusCode;
    }

    private async Task<bool> CoolingDownAsync(GatewayApp gateway)
    {
        using var client = gateway.CreateClient();
        client.DefaultRequestHeaders.Add("x-llmrouter-admin-key", Tenants.AdminKey);
        using var document = JsonDocument.Parse(await client.GetStringAsync("/admin/deployments"));
        return document.RootElement.GetProperty("deployments").EnumerateArray().Single(d => d.GetProperty("id").GetString() == _model).GetProperty("coolingDown").GetBoolean();
    }

    /// <summary>Polls until <paramref name="done"/> holds or the time is up, returning the last value (the caller asserts on it).</summary>
    internal static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? within = null)
    {
        var deadline = Stopwatch.StartNew();
        var value = await read();
        while (!done(value) && deadline.Elapsed < (within ?? TimeSpan.FromSeconds(5)))
        {
            await Task.Delay(50);
            value = await read();
        }

        return value;
    }

    private static void Dispose(IEnumerable<HttpResponseMessage> responses, IEnumerable<HttpClient> clients)
    {
        foreach (var response in responses)
        {
            response.Dispose();
        }

        foreach (var client in clients)
        {
            client.Dispose();
        }
    }
}
