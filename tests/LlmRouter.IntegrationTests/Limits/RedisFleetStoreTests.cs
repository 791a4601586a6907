using LlmRouter.Configuration;
using LlmRouter.IntegrationTests.Infrastructure;
using LlmRouter.Limits;
using StackExchange.Redis;

namespace LlmRouter.IntegrationTests.Limits;

/// <summary>The Redis store against the shared contract, on the real Redis from <c>LLMROUTER_TEST_REDIS</c>.</summary>
public sealed class RedisFleetStoreTests : FleetStoreContract, IDisposable
{
    private readonly RedisFleetStore _store = new(RedisServer.SharedAddress());

    internal override IFleetStore Store => _store;

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Admit_AfterScriptFlush_ReloadsTheScriptOnNoScript()
    {
        var scope = new LimitScope("key", "flush-" + Guid.NewGuid().ToString("N"), new TenantLimitsOptions { RequestsPerMinute = 5 });
        var now = DateTimeOffset.UtcNow;
        Assert.True((await _store.AdmitAsync(new AdmissionRequest("a", [scope], 1, 0, now, TimeSpan.FromSeconds(5)), CancellationToken.None)).Admitted);

        using (var admin = await ConnectionMultiplexer.ConnectAsync(RedisServer.SharedAddress() + ",allowAdmin=true"))
        {
            await admin.GetDatabase().ExecuteAsync("SCRIPT", "FLUSH");
        }

        var again = await _store.AdmitAsync(new AdmissionRequest("b", [scope], 1, 0, now, TimeSpan.FromSeconds(5)), CancellationToken.None);
        Assert.True(again.Admitted);
        Assert.Equal(3, again.States[0].RequestsRemaining);
    }

    [Fact]
    public async Task Keys_AllCarryTheHashTagAndATtl()
    {
        var scope = new LimitScope("key", "ttl-" + Guid.NewGuid().ToString("N"), new TenantLimitsOptions { RequestsPerMinute = 5, TokensPerMinute = 100, MaxParallelRequests = 2, BudgetUsd = 1 });
        var now = DateTimeOffset.UtcNow;
        await _store.AdmitAsync(new AdmissionRequest("a", [scope], 1, 0.01, now, TimeSpan.FromSeconds(5)), CancellationToken.None);
        await _store.SettleAsync(new Settlement("a", [scope], now, now, 1, 1, 0.01, 0.01, null), CancellationToken.None);

        using var connection = await ConnectionMultiplexer.ConnectAsync(RedisServer.SharedAddress());
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var keys = server.Keys(pattern: $"*{scope.Name}*").ToList();
        // requests, tokens, budget and totals; the lease set is gone once its only lease was released.
        Assert.True(keys.Count >= 4, string.Join(", ", keys));
        foreach (var key in keys)
        {
            Assert.StartsWith("{llmrouter}:", key.ToString(), StringComparison.Ordinal);
            Assert.NotNull(await connection.GetDatabase().KeyTimeToLiveAsync(key));
        }
    }
}
