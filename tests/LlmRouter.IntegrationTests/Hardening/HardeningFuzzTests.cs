using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit.Abstractions;

namespace LlmRouter.IntegrationTests.Hardening;

/// <summary>
/// Issue 10's fuzz suite: a generated, deterministic corpus (fixed seeds, bounded count and time) over every request
/// field, over headers and over raw HTTP, against the real host with fake upstreams of all three providers.
/// Anthropic Messages bodies go to <c>/v1/messages</c> too. Invariants: no 5xx, every 4xx is an OpenAI-style JSON
/// error (Anthropic-style on <c>/v1/messages</c>) (except requests Kestrel refuses before any middleware,
/// which are listed), no client header reaches an upstream except by the allowlist, no breaker opens and no deployment
/// is charged, metric series stay bounded under thousands of distinct client-chosen values, memory stays bounded.
/// </summary>
public sealed class HardeningFuzzTests : IDisposable
{
    private const int Parallelism = 8;
    // New route × deployment × status combinations may still appear in phase 2 (a bounded, configured set); the
    // thousands of distinct client-chosen values sent must not add a series each.
    private const int MaxSeriesGrowth = 20;
    private const long MaxWorkingSetGrowthBytes = 512L * 1024 * 1024;

    private readonly HardeningGateway _gateway = new();
    private readonly ITestOutputHelper _output;

    public HardeningFuzzTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Fuzz_GeneratedCorpus_HoldsEveryHardeningInvariant()
    {
        var watch = Stopwatch.StartNew();
        var rssBefore = HardeningGateway.WorkingSet();
        var failures = new ConcurrentQueue<string>();
        var kestrelAnswers = new ConcurrentDictionary<string, int>();
        var statuses = new ConcurrentDictionary<int, int>();

        // Phase 1 warms every shape up (routes, statuses, deployments); phase 2 sends the same shapes with other
        // client-chosen values, so any growth in series between the two scrapes comes from those values.
        var phase1 = FuzzRequests.Phase(_gateway, seed: 1);
        await RunAsync(phase1, failures, kestrelAnswers, statuses);
        var seriesBefore = _gateway.MetricSeries.Series;
        var scrapeBefore = await _gateway.ScrapeSeriesAsync();

        var phase2 = FuzzRequests.Phase(_gateway, seed: 2).Concat(FuzzRequests.Flood(_gateway, seed: 3, count: 150)).ToList();
        await RunAsync(phase2, failures, kestrelAnswers, statuses);
        var seriesAfter = _gateway.MetricSeries.Series;
        var scrapeAfter = await _gateway.ScrapeSeriesAsync();
        var rssAfter = HardeningGateway.WorkingSet();

        var unhealthy = _gateway.UnhealthyDeployments();
        var leaked = _gateway.LeakedHeaders();
        var requests = phase1.Count + phase2.Count;
        var serverErrors = statuses.Where(s => s.Key >= 500).Sum(s => s.Value);
        _output.WriteLine($"requests sent: {requests} (cases per phase: {phase1.Count}, templates: {FuzzCorpus.Templates.Length}, values: {FuzzCorpus.FixedValues.Length} + random) in {watch.Elapsed.TotalSeconds:0.0} s");
        _output.WriteLine($"statuses: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
        _output.WriteLine($"5xx seen: {serverErrors}");
        var newSeries = seriesAfter.Except(seriesBefore).ToList();
        _output.WriteLine($"metric series (LlmRouter meter, label sets) before/after: {seriesBefore.Count}/{seriesAfter.Count}; /metrics scrape lines {scrapeBefore.Count}/{scrapeAfter.Count}");
        _output.WriteLine($"new LlmRouter series: {string.Join(" | ", newSeries.Take(10))}");
        _output.WriteLine($"RSS before/after: {rssBefore / (1024 * 1024)} MB/{rssAfter / (1024 * 1024)} MB");
        _output.WriteLine($"answered by Kestrel before any middleware (no JSON possible): {string.Join("; ", kestrelAnswers.Select(k => $"{k.Key} ({k.Value})"))}");
        _output.WriteLine($"unhealthy deployments: {string.Join("; ", unhealthy)}");
        _output.WriteLine($"client headers leaked upstream: {string.Join(", ", leaked)}");
        foreach (var failure in failures.Take(40))
        {
            _output.WriteLine("FAIL " + failure);
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} invariant failures, first: {failures.FirstOrDefault()}");
        Assert.Equal(0, serverErrors);
        Assert.Empty(unhealthy);
        Assert.Empty(leaked);
        Assert.InRange(seriesAfter.Count, 1, seriesBefore.Count + MaxSeriesGrowth);
        Assert.DoesNotContain(seriesAfter.Concat(scrapeAfter), series => series.Contains("flood-", StringComparison.Ordinal) || series.Contains("x-fuzz", StringComparison.Ordinal));
        Assert.InRange(rssAfter, 0, rssBefore + MaxWorkingSetGrowthBytes);
    }

    public void Dispose() => _gateway.Dispose();

    private static async Task RunAsync(List<FuzzCase> cases, ConcurrentQueue<string> failures, ConcurrentDictionary<string, int> kestrelAnswers, ConcurrentDictionary<int, int> statuses)
    {
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (fuzzCase, _) =>
        {
            RawResponse response;
            try
            {
                response = await fuzzCase.Send();
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or System.Net.Sockets.SocketException)
            {
                failures.Enqueue($"{fuzzCase.Name}: no answer ({ex.GetType().Name}: {ex.Message})");
                return;
            }

            if (fuzzCase.KestrelMayAnswer && (response.Status == 0 || HardeningGateway.ErrorBodyProblem(response, fuzzCase.Anthropic) is not null))
            {
                // Refused by Kestrel before any middleware ran: listed in the report, nothing the gateway can shape.
                kestrelAnswers.AddOrUpdate($"{fuzzCase.Name} → {response.Status}", 1, (_, n) => n + 1);
                return;
            }

            statuses.AddOrUpdate(response.Status, 1, (_, n) => n + 1);
            if (response.Status >= 500)
            {
                failures.Enqueue($"{fuzzCase.Name}: {response.Status} {Snippet(response)}");
                return;
            }

            // A HEAD answer carries no body by definition.
            if (response.Status == 0 || (!fuzzCase.Name.Contains(" HEAD ", StringComparison.Ordinal) && HardeningGateway.ErrorBodyProblem(response, fuzzCase.Anthropic) is not null))
            {
                failures.Enqueue($"{fuzzCase.Name}: {response.Status} {HardeningGateway.ErrorBodyProblem(response, fuzzCase.Anthropic) ?? "closed without an answer"} {Snippet(response)}");
            }
        });
    }

    private static string Snippet(RawResponse response)
    {
        var text = System.Text.Encoding.UTF8.GetString(response.Body);
        return text.Length <= 200 ? text : text[..200];
    }
}
