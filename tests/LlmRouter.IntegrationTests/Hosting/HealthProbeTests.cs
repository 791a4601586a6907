using LlmRouter.IntegrationTests.Infrastructure;

namespace LlmRouter.IntegrationTests.Hosting;

public sealed class HealthProbeTests
{
    [Fact]
    public async Task Probe_HealthyPath_ExitsZero_MissingPath_ExitsOne()
    {
        using var gateway = new GatewayApp(new TestCatalog().Deployment("gpt-4", "OpenAI", "simulated"));
        using var error = new StringWriter();

        Assert.Equal(0, await HealthProbe.RunAsync(new Uri(gateway.BaseAddress, "/readyz").ToString(), error));
        Assert.Equal(1, await HealthProbe.RunAsync(new Uri(gateway.BaseAddress, "/nope").ToString(), error));
        Assert.Contains("404", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_NothingListening_ExitsOne()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var error = new StringWriter();

        Assert.Equal(1, await HealthProbe.RunAsync($"http://127.0.0.1:{port}/healthz", error));
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("file:///etc/passwd")]
    public async Task Probe_NotAnHttpUrl_ExitsTwo(string url)
    {
        using var error = new StringWriter();

        Assert.Equal(2, await HealthProbe.RunAsync(url, error));
    }

    [Fact]
    public void IsRequested_OnlyForProbeAndOneUrl()
    {
        Assert.True(HealthProbe.IsRequested(["--probe", "http://127.0.0.1:8080/healthz"]));
        Assert.False(HealthProbe.IsRequested([]));
        Assert.False(HealthProbe.IsRequested(["--urls", "http://127.0.0.1:8080"]));
    }
}
