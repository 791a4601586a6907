using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using LlmRouter.Hosting;

namespace LlmRouter.IntegrationTests.Deploy;

/// <summary><c>deploy/local/fleet.sh</c> for real: Redis, three published replicas and nginx on 127.0.0.1.</summary>
[Collection(LocalFleetRunsAlone.Name)]
public sealed class LocalFleetTests
{
    private const int Replicas = 3;

    /// <summary>Publish (incremental after the test build) plus five process starts on a shared two-core machine.</summary>
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(150);

    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FleetScript_ThreeReplicas_EachAnswersThroughNginx_ThenStopEndsEveryProcess()
    {
        var state = Directory.CreateTempSubdirectory("llmrouter-fleet-");
        var environment = new Dictionary<string, string> { ["LLMROUTER_FLEET_DIR"] = state.FullName };
        var script = RepoFiles.PathOf("deploy", "local", "fleet.sh");
        var stateFile = Path.Combine(state.FullName, "fleet.state");
        try
        {
            var start = await ChildProcess.RunAsync("bash", [script, "start", Replicas.ToString(CultureInfo.InvariantCulture)], StartBound, environment);
            Assert.True(start.ExitCode == 0, $"fleet.sh start failed:\n{start.Output}\n{start.Error}");
            var lines = File.ReadAllLines(stateFile);
            var pids = lines.Where(l => l.StartsWith("pid ", StringComparison.Ordinal)).Select(l => int.Parse(l.Split(' ')[2], CultureInfo.InvariantCulture)).ToList();
            var url = new Uri(Assert.Single(lines, l => l.StartsWith("url ", StringComparison.Ordinal)).Split(' ')[1]);

            Assert.Equal(Replicas + 2, pids.Count);
            Assert.All(pids, pid => Assert.True(IsRunning(pid), $"PID {pid} from the state file is not running."));
            Assert.Equal("127.0.0.1", url.Host);
            Assert.Contains(url.GetLeftPart(UriPartial.Authority), start.Output, StringComparison.Ordinal);

            using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < 10 * Replicas && seen.Count < Replicas; i++)
            {
                using var response = await client.GetAsync("/healthz");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                seen.Add(Assert.Single(response.Headers.GetValues(InstanceHeaderMiddleware.HeaderName)));
            }

            Assert.Equal(Enumerable.Range(1, Replicas).Select(i => $"replica-{i}"), seen.Order(StringComparer.Ordinal));
            using var chat = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "auto", messages = new[] { new { role = "user", content = "hello fleet" } } });
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);

            var stop = await ChildProcess.RunAsync("bash", [script, "stop"], StopBound, environment);
            Assert.True(stop.ExitCode == 0, $"fleet.sh stop failed:\n{stop.Output}\n{stop.Error}");
            Assert.All(pids, pid => Assert.False(IsRunning(pid), $"PID {pid} is still running after fleet.sh stop."));
            Assert.False(File.Exists(stateFile));
        }
        finally
        {
            if (File.Exists(stateFile))
            {
                await ChildProcess.RunAsync("bash", [script, "stop"], StopBound, environment);
            }

            state.Delete(recursive: true);
        }
    }

    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        // A zombie has exited; only its parent has yet to collect it.
        var text = File.ReadAllText(stat);
        return text[text.LastIndexOf(')') + 2] != 'Z';
    }
}
