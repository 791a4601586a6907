using System.Net;
using System.Text;
using LlmRouter.IntegrationTests.Infrastructure;
using LlmRouter.IntegrationTests.Resilience;

namespace LlmRouter.IntegrationTests.Limits;

/// <summary>A stream the client cancels before any usage arrived is charged its reservation, not nothing.</summary>
public sealed class CancelledStreamChargeTests : IAsyncLifetime
{
    private const string Secret = "llmr-cancel-0123456789";
    private readonly SlowStreamUpstream _slow = new(TimeSpan.FromMilliseconds(100), chunks: 300);
    private KestrelUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await KestrelUpstream.StartAsync(_slow.HandleAsync);

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task ClientCancelsStreamBeforeUsage_ChargedTheReservation()
    {
        using var gateway = new GatewayApp(Tenants.Catalog(_upstream.Url), Tenants.Key("alice", Secret, ("TokensPerMinute", "1000000")));
        using var client = Tenants.Client(gateway, Secret);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"{{Tenants.Model}}","stream":true,"max_tokens":500,"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"),
        };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reserved = 1_000_000 - long.Parse(response.Headers.GetValues("x-ratelimit-remaining-tokens").Single(), System.Globalization.CultureInfo.InvariantCulture);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5)), StringComparison.Ordinal);

        using var cancel = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            while (await reader.ReadLineAsync(cancel.Token) is not null)
            {
            }
        });
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
        response.Dispose();
        await _slow.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(5));

        var charged = await FleetLimitsTests.WaitForAsync(async () => (await Tenants.KeyUsageAsync(gateway, "alice")).GetProperty("totalTokens").GetInt64(), t => t > 0);
        Assert.True(reserved > 500, $"reservation {reserved} should cover max_tokens and the prompt");
        Assert.Equal(reserved, charged);
    }
}
