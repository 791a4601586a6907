using System.Globalization;
using System.Runtime;
using System.Text;
using LlmRouter.Allocations;
using LlmRouter.Simulator;

// Usage: LlmRouter.Allocations [--requests N (5000)] [--warmup N (1000)] [--rounds N (2)] [--tsv FILE]
// Allocated bytes per non-streaming request, in one process on 127.0.0.1: the simulator upstream, a plain YARP hop
// (as bench/LlmRouter.PlainProxy) and the real gateway (shipped appsettings.json, shipped logging). Each target gets
// N sequential requests per round; a row is the median over the rounds of GC.GetTotalAllocatedBytes(precise) delta / N.
// Client and simulator allocate the same for every target, so a hop's own cost is its row minus "direct" measured
// in the same phase.
var options = ParseArguments(args);
if (options is null)
{
    await Console.Error.WriteLineAsync("usage: LlmRouter.Allocations [--requests N] [--warmup N] [--rounds N] [--tsv FILE]");
    return 2;
}

var (requests, warmup, rounds, tsvPath) = options.Value;
var report = Console.Out;

// The gateway's console sink writes to Console.Out when it emits; replacing it keeps the request log's rendering and
// encoding (what the shipped gateway pays for its log line) and discards the text, counting lines.
var console = new DiscardingStream();
Console.SetOut(TextWriter.Synchronized(new StreamWriter(console, new UTF8Encoding(false), 4096) { AutoFlush = true }));

await using var simulator = await SimulatedUpstreamServer.StartAsync(_ => null);
using var handler = new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan };
using var client = new HttpClient(handler);
var loop = new RequestLoop(client);

KeyValuePair<string, string>[] anthropicHeaders = [new("x-api-key", "bench-key"), new("anthropic-version", "2023-06-01")];
var directOpenAI = new Target("openai", "direct", new Uri(simulator.BaseAddress, "/sim/gpt-4/v1/chat/completions"),
    RequestLoop.Body("openai.json"), [], "\"chat.completion\"");
var directAnthropic = new Target("anthropic", "direct", new Uri(simulator.BaseAddress, "/sim/claude/v1/messages"),
    RequestLoop.Body("anthropic.json"), anthropicHeaders, "\"type\":\"message\"");
var rows = new List<Row>();

// Phase 1 without a gateway in the process: the gateway's OpenTelemetry meter listener would otherwise also record
// the YARP hop's and the client's HTTP metrics, which a standalone YARP does not pay.
var (proxy, proxyAddress) = await InProcessHosts.StartPlainProxyAsync(simulator.BaseAddress);
try
{
    rows.AddRange(await MeasurePhaseAsync("no gateway",
    [
        directOpenAI,
        directOpenAI with { Name = "yarp", Url = new Uri(proxyAddress, directOpenAI.Url.AbsolutePath) },
        directAnthropic,
        directAnthropic with { Name = "yarp", Url = new Uri(proxyAddress, directAnthropic.Url.AbsolutePath) },
    ]));
}
finally
{
    await StopAsync(proxy);
}

// One gateway at a time, for the same reason; "direct" is measured again beside it.
foreach (var (phase, name, level) in new[] { ("gateway, shipped logging", "llmrouter", (string?)null), ("gateway at Warning", "llmrouter-warn", "Warning") })
{
    var (gateway, gatewayAddress) = await InProcessHosts.StartGatewayAsync(simulator.BaseAddress, level);
    try
    {
        var chat = new Uri(gatewayAddress, "/v1/chat/completions");
        List<Target> targets =
        [
            directOpenAI,
            new Target("openai", name, chat, RequestLoop.Body("openai.json", "gpt-4"), [], "\"chat.completion\""),
        ];
        if (level is null)
        {
            targets.Add(directAnthropic);
            targets.Add(new Target("anthropic", name, chat, RequestLoop.Body("openai.json", "claude"), [], "\"chat.completion\""));
        }

        rows.AddRange(await MeasurePhaseAsync(phase, targets));
    }
    finally
    {
        await StopAsync(gateway);
    }
}

Print(report, rows, requests, warmup, rounds);
if (tsvPath is not null)
{
    await File.WriteAllLinesAsync(tsvPath, Tsv(rows));
}

return 0;

async Task<List<Row>> MeasurePhaseAsync(string phase, IReadOnlyList<Target> targets)
{
    foreach (var target in targets)
    {
        await loop.CheckAsync(target);
    }

    foreach (var target in targets)
    {
        await loop.SendAsync(target, warmup);
    }

    // Targets alternate within each round so anything slow-moving in the process falls on all of them alike.
    var bytes = targets.Select(_ => new List<double>()).ToArray();
    var lines = new long[targets.Count];
    for (var round = 0; round < rounds; round++)
    {
        for (var i = 0; i < targets.Count; i++)
        {
            var linesBefore = console.Lines;
            bytes[i].Add(await loop.MeasureAsync(targets[i], requests));
            lines[i] += console.Lines - linesBefore;
        }
    }

    return [.. targets.Select((t, i) => new Row(phase, t, Median(bytes[i]), bytes[i].Max() - bytes[i].Min(), lines[i] / (double)(requests * rounds)))];
}

static async Task StopAsync(WebApplication app)
{
    await app.StopAsync();
    await app.DisposeAsync();
}

static double Median(List<double> values)
{
    values.Sort();
    var middle = values.Count / 2;
    return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

// A hop's own allocation: its row minus "direct" of the same scenario in the same phase.
static double? Hop(IReadOnlyList<Row> rows, Row row)
    => row.Target.Name == "direct"
        ? null
        : row.BytesPerRequest - rows.Single(r => r.Phase == row.Phase && r.Target.Scenario == row.Target.Scenario && r.Target.Name == "direct").BytesPerRequest;

// The gateway's allocation above YARP's own for the same upstream endpoint.
static double? AboveYarp(IReadOnlyList<Row> rows, Row row)
{
    var yarp = rows.SingleOrDefault(r => r.Target.Scenario == row.Target.Scenario && r.Target.Name == "yarp");
    return row.Target.Name.StartsWith("llmrouter", StringComparison.Ordinal) && yarp is not null ? Hop(rows, row) - Hop(rows, yarp) : null;
}

static string Kb(double? bytes, string format = "0.00") => bytes is { } b ? (b / 1024).ToString(format, CultureInfo.InvariantCulture) : "-";

static void Print(TextWriter report, IReadOnlyList<Row> rows, int requests, int warmup, int rounds)
{
    report.WriteLine();
    report.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Allocations per non-streaming request, in one process ({requests} sequential requests per target and round after {warmup} warm-up, median of {rounds} rounds; KB = 1024 B)"));
    report.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $".NET {Environment.Version}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC; spread = max - min over rounds; hop = row - direct of the same phase; above YARP = hop - YARP's hop"));
    const string Format = "{0,-10} {1,-15} {2,-25} {3,8} {4,9} {5,8} {6,11} {7,14}";
    report.WriteLine(string.Format(CultureInfo.InvariantCulture, Format, "scenario", "target", "phase", "KB/req", "spread KB", "hop KB", "above YARP", "log lines/req"));
    foreach (var row in rows)
    {
        report.WriteLine(string.Format(CultureInfo.InvariantCulture, Format, row.Target.Scenario, row.Target.Name, row.Phase,
            Kb(row.BytesPerRequest), Kb(row.SpreadBytes), Kb(Hop(rows, row)), AboveYarp(rows, row) is { } above ? "+" + Kb(above) : "-",
            row.LogLinesPerRequest.ToString("0.00", CultureInfo.InvariantCulture)));
    }

    foreach (var row in rows.Where(r => AboveYarp(rows, r) is not null))
    {
        var what = row.Target.Scenario == "openai" ? "OpenAI pass-through" : "OpenAI->Anthropic translation";
        var logging = row.Target.Name == "llmrouter-warn" ? "logging at Warning" : "shipped logging";
        report.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"LlmRouter allocates {Kb(AboveYarp(rows, row), "0.0")} KB/request above YARP ({what}, {logging}; target <= 6 KB)"));
    }
}

static IEnumerable<string> Tsv(IReadOnlyList<Row> rows)
{
    yield return "scenario\ttarget\tphase\tbytes_per_request\tspread_bytes\thop_bytes\tabove_yarp_bytes\tlog_lines_per_request";
    foreach (var row in rows)
    {
        yield return string.Join('\t', row.Target.Scenario, row.Target.Name, row.Phase,
            row.BytesPerRequest.ToString("0", CultureInfo.InvariantCulture),
            row.SpreadBytes.ToString("0", CultureInfo.InvariantCulture),
            Hop(rows, row)?.ToString("0", CultureInfo.InvariantCulture) ?? "-",
            AboveYarp(rows, row)?.ToString("0", CultureInfo.InvariantCulture) ?? "-",
            row.LogLinesPerRequest.ToString("0.00", CultureInfo.InvariantCulture));
    }
}

static (int Requests, int Warmup, int Rounds, string? Tsv)? ParseArguments(string[] args)
{
    int requests = 5000, warmup = 1000, rounds = 2;
    string? tsv = null;
    for (var i = 0; i < args.Length; i++)
    {
        var value = i + 1 < args.Length ? args[i + 1] : null;
        var ok = args[i] switch
        {
            "--requests" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out requests) && requests > 0,
            "--warmup" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out warmup),
            "--rounds" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out rounds) && rounds > 0,
            "--tsv" => (tsv = value) is not null,
            _ => false,
        };
        if (!ok)
        {
            return null;
        }

        i++;
    }

    return (requests, warmup, rounds, tsv);
}
