using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LlmRouter.Simulator;

/// <summary>
/// Simulated OpenAI, Anthropic and Gemini upstreams on a real Kestrel listener. One server serves many deployments,
/// each under its own path prefix <c>/sim/{deployment}/</c>:
/// <list type="bullet">
/// <item><c>POST /sim/{deployment}/v1/chat/completions</c> (OpenAI)</item>
/// <item><c>POST /sim/{deployment}/v1/messages</c> (Anthropic)</item>
/// <item><c>POST /sim/{deployment}/v1beta/models/{model}:generateContent</c> and <c>:streamGenerateContent</c> (Gemini)</item>
/// <item><c>GET /healthz</c></item>
/// </list>
/// </summary>
public sealed class SimulatedUpstreamServer : IAsyncDisposable
{
    // Long enough for in-flight responses to finish, short enough that disposal never hangs on a slow stream.
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(2);

    private readonly WebApplication _app;
    private readonly Func<string, SimulatedBehavior?> _behaviorLookup;
    private readonly OpenAISimulator _openAI = new();
    private readonly AnthropicSimulator _anthropic = new();
    private readonly GeminiSimulator _gemini = new();
    private long _requestCount;
    private long _activeRequestCount;
    private long _abortedRequestCount;
    private int _disposed;

    private SimulatedUpstreamServer(WebApplication app, Func<string, SimulatedBehavior?> behaviorLookup)
    {
        _app = app;
        _behaviorLookup = behaviorLookup;
    }

    /// <summary>The address the server listens on, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Total requests received, including health checks and rejected requests.</summary>
    public long RequestCount => Interlocked.Read(ref _requestCount);

    /// <summary>Requests being served right now.</summary>
    internal long ActiveRequestCount => Interlocked.Read(ref _activeRequestCount);

    /// <summary>Requests whose generation stopped because the client went away.</summary>
    internal long AbortedRequestCount => Interlocked.Read(ref _abortedRequestCount);

    /// <summary>
    /// Starts a server on <paramref name="url"/> (port 0 picks a free port).
    /// </summary>
    /// <param name="behaviorLookup">Maps a deployment id from the URL to its behaviour; null means no delays and no errors.</param>
    /// <param name="url">The listen URL, <c>http://127.0.0.1:0</c> by default.</param>
    /// <param name="cancellationToken">Cancels startup.</param>
    public static async Task<SimulatedUpstreamServer> StartAsync(
        Func<string, SimulatedBehavior?> behaviorLookup,
        string url = "http://127.0.0.1:0",
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(behaviorLookup);
        ArgumentException.ThrowIfNullOrWhiteSpace(url);

        // The empty builder loads no appsettings or environment configuration: the simulator often runs inside the
        // gateway's process and output folder, whose settings (Kestrel endpoints, logging) must not leak in.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SimulatedUpstreamServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrel(options => options.AddServerHeader = false).UseUrls(url);
        builder.Logging.ClearProviders();
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, SimulatorHostLifetime>();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);

        var app = builder.Build();
        var server = new SimulatedUpstreamServer(app, behaviorLookup);
        server.MapRoutes();
        try
        {
            await app.StartAsync(cancellationToken);
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
            var address = addresses?.FirstOrDefault()
                ?? throw new InvalidOperationException("The simulated upstream server did not report a listen address.");
            server.BaseAddress = new Uri(address);
            return server;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the listener; in-flight responses get a short grace period and are then aborted.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(ShutdownTimeout);
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }

    private void MapRoutes()
    {
        _app.MapGet("/healthz", (RequestDelegate)(context =>
        {
            Interlocked.Increment(ref _requestCount);
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync("ok", context.RequestAborted);
        }));
        _app.MapPost("/sim/{deployment}/v1/chat/completions", (RequestDelegate)(context => HandleAsync(context, _openAI)));
        _app.MapPost("/sim/{deployment}/v1/messages", (RequestDelegate)(context => HandleAsync(context, _anthropic)));
        _app.MapPost(
            "/sim/{deployment}/v1beta/models/{" + GeminiSimulator.ModelAndMethodRouteKey + "}",
            (RequestDelegate)(context => HandleAsync(context, _gemini)));
    }

    private async Task HandleAsync(HttpContext context, ProviderSimulator simulator)
    {
        Interlocked.Increment(ref _requestCount);
        Interlocked.Increment(ref _activeRequestCount);
        try
        {
            var deployment = context.Request.RouteValues["deployment"] as string ?? string.Empty;
            var behavior = _behaviorLookup(deployment) ?? SimulatedBehavior.Default;
            await simulator.HandleAsync(context, deployment, behavior);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client disconnected mid-request; generation has stopped and there is nobody left to answer.
            Interlocked.Increment(ref _abortedRequestCount);
        }
        finally
        {
            Interlocked.Decrement(ref _activeRequestCount);
        }
    }
}
