using System.Globalization;
using LlmRouter.Bench;

// Usage: LlmRouter.PlainProxy <port> <upstreamBaseUrl>
// One route /{**catch-all} to one cluster with one destination: what YARP costs before LlmRouter adds anything.
if (args.Length != 2
    || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
    || port is < 1 or > 65535
    || !Uri.TryCreate(args[1], UriKind.Absolute, out var upstream))
{
    await Console.Error.WriteLineAsync("usage: LlmRouter.PlainProxy <port> <upstreamBaseUrl>");
    return 2;
}

// No command-line configuration: the arguments above are not configuration keys.
var builder = WebApplication.CreateBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
builder.Services.AddPlainYarpHop(upstream);
var app = builder.Build();
app.MapReverseProxy();
await app.RunAsync();
return 0;
