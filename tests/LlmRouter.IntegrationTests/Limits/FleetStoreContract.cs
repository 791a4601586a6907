using LlmRouter.Configuration;
using LlmRouter.Limits;

namespace LlmRouter.IntegrationTests.Limits;

/// <summary>
/// The behaviour both stores must share (in process and Redis). Time is passed in, so windows and lease expiry
/// are exercised without waiting; every test uses scope names of its own.
/// </summary>
public abstract class FleetStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 14, 12, 0, 30, TimeSpan.Zero);
    private readonly string _name = "t" + Guid.NewGuid().ToString("N")[..12];

    internal abstract IFleetStore Store { get; }

    [Fact]
    public async Task Admit_ConcurrentOverRequestsPerMinute_AcceptsExactlyTheLimit()
    {
        var scope = Key(new TenantLimitsOptions { RequestsPerMinute = 5 });

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Store.AdmitAsync(Request([scope], at: T0.AddMilliseconds(i)), CancellationToken.None)));

        Assert.Equal(5, results.Count(r => r.Admitted));
        var refused = results.First(r => !r.Admitted);
        Assert.Equal(LimitKind.Requests, refused.Reason);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Admit_RequestsPerMinute_SlidesAfterSixtySeconds()
    {
        var scope = Key(new TenantLimitsOptions { RequestsPerMinute = 1 });
        Assert.True((await Store.AdmitAsync(Request([scope]), CancellationToken.None)).Admitted);
        Assert.False((await Store.AdmitAsync(Request([scope], at: T0.AddSeconds(59)), CancellationToken.None)).Admitted);
        Assert.True((await Store.AdmitAsync(Request([scope], at: T0.AddSeconds(60.001)), CancellationToken.None)).Admitted);
    }

    [Fact]
    public async Task Admit_RefusedByTeam_ChargesNeitherScope()
    {
        var key = Key(new TenantLimitsOptions { RequestsPerMinute = 10 });
        var team = new LimitScope("team", _name, new TenantLimitsOptions { RequestsPerMinute = 1 });

        Assert.True((await Store.AdmitAsync(Request([key, team]), CancellationToken.None)).Admitted);
        var refused = await Store.AdmitAsync(Request([key, team]), CancellationToken.None);

        Assert.False(refused.Admitted);
        Assert.Equal(1, refused.RejectedScope);
        Assert.Equal(1, (await Store.UsageAsync(key, T0, CancellationToken.None)).Requests);
    }

    [Fact]
    public async Task Admit_ReportsRemainingRequestsAndTokens()
    {
        var scope = Key(new TenantLimitsOptions { RequestsPerMinute = 10, TokensPerMinute = 1000 });

        var result = await Store.AdmitAsync(Request([scope], tokens: 300), CancellationToken.None);

        Assert.Equal(9, result.States[0].RequestsRemaining);
        Assert.Equal(700, result.States[0].TokensRemaining);
        Assert.Equal(TimeSpan.FromSeconds(60), result.States[0].RequestsReset);
        Assert.Equal(TimeSpan.FromSeconds(30), result.States[0].TokensReset);
    }

    [Fact]
    public async Task Settle_TokenReservation_ReplacedByRealUsage()
    {
        var scope = Key(new TenantLimitsOptions { TokensPerMinute = 1000 });
        var first = Request([scope], tokens: 600);
        Assert.True((await Store.AdmitAsync(first, CancellationToken.None)).Admitted);
        var refused = await Store.AdmitAsync(Request([scope], tokens: 600), CancellationToken.None);
        Assert.Equal(LimitKind.Tokens, refused.Reason);

        await Store.SettleAsync(Settle(first, actualTokens: 100, actualCost: 0), CancellationToken.None);

        Assert.True((await Store.AdmitAsync(Request([scope], tokens: 600), CancellationToken.None)).Admitted);
        var usage = await Store.UsageAsync(scope, T0, CancellationToken.None);
        Assert.Equal(700, usage.TokensPerMinute);
        Assert.Equal(100, usage.TotalTokens);
        Assert.Equal(1, usage.TotalRequests);
    }

    [Fact]
    public async Task Parallel_LeaseReleasedAtSettlement()
    {
        var scope = Key(new TenantLimitsOptions { MaxParallelRequests = 1 });
        var first = Request([scope]);
        Assert.True((await Store.AdmitAsync(first, CancellationToken.None)).Admitted);
        Assert.Equal(LimitKind.Parallel, (await Store.AdmitAsync(Request([scope]), CancellationToken.None)).Reason);

        await Store.SettleAsync(Settle(first, 0, 0), CancellationToken.None);

        Assert.True((await Store.AdmitAsync(Request([scope]), CancellationToken.None)).Admitted);
    }

    [Fact]
    public async Task Parallel_LeaseNeverReleased_ExpiresAfterItsTtl()
    {
        var scope = Key(new TenantLimitsOptions { MaxParallelRequests = 1 });
        Assert.True((await Store.AdmitAsync(Request([scope], lease: TimeSpan.FromSeconds(2)), CancellationToken.None)).Admitted);

        Assert.False((await Store.AdmitAsync(Request([scope], at: T0.AddSeconds(1.9)), CancellationToken.None)).Admitted);
        Assert.True((await Store.AdmitAsync(Request([scope], at: T0.AddSeconds(2.1)), CancellationToken.None)).Admitted);
    }

    [Fact]
    public async Task Parallel_RenewedLease_OutlivesItsFirstTtl()
    {
        var scope = Key(new TenantLimitsOptions { MaxParallelRequests = 1 });
        var held = Request([scope], lease: TimeSpan.FromSeconds(2));
        Assert.True((await Store.AdmitAsync(held, CancellationToken.None)).Admitted);

        await Store.RenewLeasesAsync([(held.Id, scope)], T0.AddSeconds(10), CancellationToken.None);

        Assert.False((await Store.AdmitAsync(Request([scope], at: T0.AddSeconds(5)), CancellationToken.None)).Admitted);
    }

    [Fact]
    public async Task Budget_ReservedAtAdmissionAndSettled_RefusesWithInsufficientQuota()
    {
        var scope = Key(new TenantLimitsOptions { BudgetUsd = 1, BudgetWindow = BudgetWindow.Day });
        var first = Request([scope], cost: 0.4);
        Assert.True((await Store.AdmitAsync(first, CancellationToken.None)).Admitted);
        Assert.True((await Store.AdmitAsync(Request([scope], cost: 0.4), CancellationToken.None)).Admitted);
        Assert.Equal(LimitKind.Budget, (await Store.AdmitAsync(Request([scope], cost: 0.4), CancellationToken.None)).Reason);

        await Store.SettleAsync(Settle(first, actualTokens: 10, actualCost: 0.1), CancellationToken.None);

        Assert.True((await Store.AdmitAsync(Request([scope], cost: 0.4), CancellationToken.None)).Admitted);
        Assert.Equal(0.9, (await Store.UsageAsync(scope, T0, CancellationToken.None)).SpentUsd, 6);
    }

    [Fact]
    public async Task Budget_DayWindow_StartsAfreshNextDay()
    {
        var scope = Key(new TenantLimitsOptions { BudgetUsd = 1, BudgetWindow = BudgetWindow.Day });
        Assert.True((await Store.AdmitAsync(Request([scope], cost: 0.9), CancellationToken.None)).Admitted);
        Assert.False((await Store.AdmitAsync(Request([scope], cost: 0.9), CancellationToken.None)).Admitted);
        Assert.True((await Store.AdmitAsync(Request([scope], at: T0.AddDays(1), cost: 0.9), CancellationToken.None)).Admitted);
    }

    [Fact]
    public async Task Settle_DeploymentReachesRequestQuota_ReturnsResetAndSharesCooldown()
    {
        var deployment = _name + "-dep";
        var quota = new DeploymentQuota(deployment, 2, null, 10);

        Assert.Null(await Store.SettleAsync(Settle(Request([]), 10, 0, quota), CancellationToken.None));
        var until = await Store.SettleAsync(Settle(Request([], at: T0.AddSeconds(1)), 10, 0, quota) with { Now = T0.AddSeconds(1) }, CancellationToken.None);

        Assert.Equal(T0.AddSeconds(60), until);
        var snapshot = await Store.PollAsync(T0.AddSeconds(2), CancellationToken.None);
        Assert.Equal(T0.AddSeconds(60), snapshot.Cooldowns[deployment]);
    }

    [Fact]
    public async Task PublishCooldown_ExtendsNeverShortens()
    {
        var deployment = _name + "-dep";
        await Store.PublishCooldownAsync(deployment, T0.AddSeconds(30), CancellationToken.None);
        await Store.PublishCooldownAsync(deployment, T0.AddSeconds(10), CancellationToken.None);

        Assert.Equal(T0.AddSeconds(30), (await Store.PollAsync(T0, CancellationToken.None)).Cooldowns[deployment]);
        Assert.DoesNotContain(deployment, (await Store.PollAsync(T0.AddSeconds(31), CancellationToken.None)).Cooldowns.Keys);
    }

    [Fact]
    public async Task RuntimeKeys_CreateThenDelete_ChangesTheGeneration()
    {
        var before = (await Store.PollAsync(T0, CancellationToken.None)).KeysVersion;
        var key = new RuntimeKey { Name = _name, Hash = "sha256:" + new string('a', 64), Team = "t", RequestsPerMinute = 3 };

        Assert.True(await Store.CreateKeyAsync(key, CancellationToken.None));
        Assert.False(await Store.CreateKeyAsync(key, CancellationToken.None));
        var listed = Assert.Single(await Store.ListKeysAsync(CancellationToken.None), k => k.Name == _name);
        Assert.Equal(3, listed.RequestsPerMinute);
        var created = (await Store.PollAsync(T0, CancellationToken.None)).KeysVersion;
        Assert.True(await Store.DeleteKeyAsync(_name, CancellationToken.None));
        Assert.False(await Store.DeleteKeyAsync(_name, CancellationToken.None));

        Assert.True(created > before);
        Assert.True((await Store.PollAsync(T0, CancellationToken.None)).KeysVersion > created);
        Assert.DoesNotContain(await Store.ListKeysAsync(CancellationToken.None), k => k.Name == _name);
    }

    private LimitScope Key(TenantLimitsOptions limits) => new("key", _name, limits);

    private static AdmissionRequest Request(IReadOnlyList<LimitScope> scopes, DateTimeOffset? at = null, long tokens = 10, double cost = 0, TimeSpan? lease = null)
        => new(Guid.NewGuid().ToString("N"), scopes, tokens, cost, at ?? T0, lease ?? TimeSpan.FromSeconds(30));

    private static Settlement Settle(AdmissionRequest admitted, long actualTokens, double actualCost, DeploymentQuota? deployment = null)
        => new(admitted.Id, admitted.Scopes, admitted.Now, admitted.Now, admitted.Tokens, actualTokens, admitted.CostUsd, actualCost, deployment);
}
