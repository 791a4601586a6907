using System.Net;
using LlmRouter.IntegrationTests.Infrastructure;

namespace LlmRouter.IntegrationTests.Deploy;

/// <summary>One real gateway on 127.0.0.1 for checking that the paths deploy files probe and scrape exist.</summary>
public sealed class GatewayFixture : IDisposable
{
    private readonly GatewayApp _gateway = new(new TestCatalog()
        .Deployment("gpt-4", "OpenAI", "simulated")
        .Route("auto", "RoundRobin", ["gpt-4"]));

    private readonly HttpClient _client;

    public GatewayFixture() => _client = _gateway.CreateClient();

    /// <summary>Asserts a GET of <paramref name="path"/> answers 200, as a probe or a scrape needs.</summary>
    public async Task AssertServesAsync(string path, string where)
    {
        Assert.StartsWith("/", path, StringComparison.Ordinal);
        using var response = await _client.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{where}: GET {path} answered {(int)response.StatusCode}, not 200.");
    }

    public void Dispose()
    {
        _client.Dispose();
        _gateway.Dispose();
    }
}
