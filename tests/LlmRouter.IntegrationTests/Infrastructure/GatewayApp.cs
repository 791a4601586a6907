using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRouter.IntegrationTests.Infrastructure;

/// <summary>
/// The real gateway host on Kestrel at 127.0.0.1 with a configuration file of the test's own (hot-reloadable),
/// so every test crosses real HTTP hops: client → gateway → upstream.
/// </summary>
public sealed class GatewayApp : WebApplicationFactory<Program>
{
    private readonly string _configPath;
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public GatewayApp(TestCatalog catalog, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _configPath = Path.Combine(Path.GetTempPath(), $"llmrouter-test-{Guid.NewGuid():N}.json");
        File.WriteAllText(_configPath, catalog.ToJson());
        _settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        _services = services;
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
    }

    /// <summary>The gateway's Kestrel address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => ClientOptions.BaseAddress;

    /// <summary>Rewrites the configuration file; the gateway reloads it without a restart.</summary>
    public void UpdateCatalog(TestCatalog catalog) => File.WriteAllText(_configPath, catalog.ToJson());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration((_, config) =>
        {
            config.Sources.Clear();
            config.AddJsonFile(_configPath, optional: false, reloadOnChange: true);
            config.AddInMemoryCollection(_settings);
        });
        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            File.Delete(_configPath);
        }
    }
}
