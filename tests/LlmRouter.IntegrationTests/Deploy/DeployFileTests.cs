using System.Text.Json;
using LlmRouter.Configuration;

namespace LlmRouter.IntegrationTests.Deploy;

public sealed class DeployFileTests
{
    private static readonly IReadOnlyList<string> Files = Directory
        .EnumerateFiles(RepoFiles.DeployDir, "*", SearchOption.AllDirectories)
        .Where(f => Path.GetFileName(f) != ".env")
        .ToList();

    [Fact]
    public void EveryYamlFile_UnderDeploy_Parses()
    {
        var yaml = Files.Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).ToList();

        Assert.True(yaml.Count >= 20, $"Expected the compose, Prometheus, Grafana and Kubernetes YAML files, found {yaml.Count}.");
        Assert.All(yaml, file => Assert.NotEmpty(Yaml.LoadFile(file)));
    }

    [Fact]
    public void EveryJsonFile_UnderDeploy_Parses()
    {
        var json = Files.Where(f => f.EndsWith(".json", StringComparison.Ordinal)).ToList();

        Assert.Contains(json, f => f.EndsWith("llmrouter-dashboard.json", StringComparison.Ordinal));
        Assert.All(json, file =>
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        });
    }

    [Fact]
    public async Task EveryShellScript_UnderDeploy_HasValidSyntax()
    {
        var scripts = Files.Where(f => f.EndsWith(".sh", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            var (exitCode, _, error) = await ChildProcess.RunAsync("bash", ["-n", script], TimeSpan.FromSeconds(30));
            Assert.True(exitCode == 0, $"{script}: {error}");
        }
    }

    [Fact]
    public void Bind_KeyNoOptionReads_Fails()
    {
        var error = Assert.Throws<InvalidOperationException>(() => AppConfig.Bind("""{"LlmRouter":{"ShutdownDrainSecond":5}}""", []));

        Assert.Contains("ShutdownDrainSecond", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_KeysFromEnvironmentAndDirectlyReadKeys_Succeed()
    {
        var options = AppConfig.Bind("""{"LlmRouter":{"Logging":{"Json":true},"Redis":{"FailMode":"Closed"}}}""",
            [new EnvVar("LlmRouter__ShutdownDrainSeconds", "12"), new EnvVar("LlmRouter__Telemetry__OtlpEndpoint", "http://otel:4317")]);

        Assert.Equal(12, options.ShutdownDrainSeconds);
        Assert.Equal(RedisFailMode.Closed, options.Redis.FailMode);
    }

    [Fact]
    public void IsRead_UnknownVariable_IsFalse_KeyVariablesTheConfigNames_AreTrue()
    {
        var options = AppConfig.Bind("""{"LlmRouter":{"Deployments":{"a":{"Provider":"OpenAI","ApiKeyVariable":"MY_KEY"}}}}""", []);

        Assert.True(AppConfig.IsRead("MY_KEY", options));
        Assert.True(AppConfig.IsRead("LLMROUTER_ADMIN_KEY", options));
        Assert.True(AppConfig.IsRead("ASPNETCORE_HTTP_PORTS", options));
        Assert.False(AppConfig.IsRead("OPENAI_KEY", options));
    }
}
