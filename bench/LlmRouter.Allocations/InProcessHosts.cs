using System.Net;
using LlmRouter.Bench;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;

namespace LlmRouter.Allocations;

/// <summary>The hops under measurement, each a real Kestrel host on an ephemeral 127.0.0.1 port in this process.</summary>
internal static class InProcessHosts
{
    private const string Loopback = "http://127.0.0.1:0";

    /// <summary>Keys bench/run.sh passes on the gateway's command line: every deployment at the simulator, API keys set.</summary>
    public static Dictionary<string, string?> GatewayOverrides(Uri simulator, string? minimumLevel)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["LlmRouter:Deployments:gpt-4:BaseUrl"] = new Uri(simulator, "/sim/gpt-4").AbsoluteUri,
            ["LlmRouter:Deployments:claude:BaseUrl"] = new Uri(simulator, "/sim/claude").AbsoluteUri,
            ["LlmRouter:Deployments:gemini:BaseUrl"] = new Uri(simulator, "/sim/gemini").AbsoluteUri,
            ["OPENAI_API_KEY"] = "bench-key",
            ["ANTHROPIC_API_KEY"] = "bench-key",
            ["GEMINI_API_KEY"] = "bench-key",
        };
        if (minimumLevel is not null)
        {
            settings["Serilog:MinimumLevel:Default"] = minimumLevel;
        }

        return settings;
    }

    /// <summary>
    /// The gateway composed as src/LlmRouter.Gateway/Program.cs composes it, with the shipped appsettings.json as its
    /// content root's and run.sh's overrides on top; <paramref name="minimumLevel"/> null keeps the shipped level.
    /// </summary>
    public static async Task<(WebApplication App, Uri Address)> StartGatewayAsync(Uri simulator, string? minimumLevel)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = Path.Combine(AppContext.BaseDirectory, "gateway"),
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.AddInMemoryCollection(GatewayOverrides(simulator, minimumLevel));
        builder.WebHost.UseUrls(Loopback);
        builder.AddLlmRouterLogging();
        builder.Services.AddLlmRouter(builder.Configuration);
        var app = builder.Build();
        app.MapLlmRouter();
        return (app, await StartAsync(app));
    }

    /// <summary>The same host as bench/LlmRouter.PlainProxy: one catch-all route to one destination, no logging providers.</summary>
    public static async Task<(WebApplication App, Uri Address)> StartPlainProxyAsync(Uri upstream)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(Loopback);
        builder.Services.AddPlainYarpHop(upstream);
        var app = builder.Build();
        app.MapReverseProxy();
        return (app, await StartAsync(app));
    }

    private static async Task<Uri> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The host did not report a listen address.");
        var uri = new Uri(address);
        return IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip)
            ? uri
            : throw new InvalidOperationException($"The host listens on {address}, not on loopback.");
    }
}
