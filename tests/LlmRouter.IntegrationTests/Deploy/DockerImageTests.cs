namespace LlmRouter.IntegrationTests.Deploy;

/// <summary>
/// The image cannot be built here (no Docker daemon), so its Dockerfile is checked against the repository and the app:
/// port, environment, user, the files it copies, the publish it runs and the health check it declares.
/// </summary>
public sealed class DockerImageTests : IClassFixture<GatewayFixture>
{
    private readonly GatewayFixture _gateway;
    private readonly Dockerfile _dockerfile = Dockerfile.Load();

    public DockerImageTests(GatewayFixture gateway) => _gateway = gateway;

    [Fact]
    public void Dockerfile_ExposedPort_IsTheHttpPortTheAppListensOn()
    {
        var expose = Assert.Single(_dockerfile.FinalStage, x => x.Instruction == "EXPOSE").Arguments;

        Assert.Equal(8080, _dockerfile.HttpPort);
        Assert.Equal(_dockerfile.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), expose);
    }

    [Fact]
    public void Dockerfile_Environment_IsReadByTheGatewayAndLogsJson()
    {
        var environment = _dockerfile.Environment;

        AppConfig.BindValid(RepoFiles.Read("src", "LlmRouter.Gateway", "appsettings.json"), environment, Dockerfile.RelativePath);
        Assert.Contains(new EnvVar("LlmRouter__Logging__Json", "true"), environment);
    }

    [Fact]
    public void Dockerfile_Runtime_IsChiseledAspNetAsNumericNonRootUser()
    {
        var from = _dockerfile.FinalStage.First().Arguments;
        var user = Assert.Single(_dockerfile.FinalStage, x => x.Instruction == "USER").Arguments;
        var entrypoint = Dockerfile.ExecForm(Assert.Single(_dockerfile.FinalStage, x => x.Instruction == "ENTRYPOINT").Arguments);

        Assert.Contains("mcr.microsoft.com/dotnet/aspnet:", from, StringComparison.Ordinal);
        Assert.Contains("chiseled", from, StringComparison.Ordinal);
        Assert.True(int.TryParse(user, out var uid) && uid > 0, $"USER must be a numeric non-root uid (runAsNonRoot checks it), was '{user}'.");
        Assert.Equal(["dotnet", "/app/LlmRouter.Gateway.dll"], entrypoint);
    }

    [Fact]
    public void Dockerfile_CopiedFilesExistAndAreNotDockerIgnored()
    {
        var ignored = File.ReadAllLines(RepoFiles.PathOf(".dockerignore"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("**", StringComparison.Ordinal)).ToList();
        var sources = _dockerfile.Instructions
            .Where(x => x.Instruction == "COPY" && !x.Arguments.StartsWith("--from", StringComparison.Ordinal))
            .SelectMany(x => x.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1))
            .ToList();

        Assert.NotEmpty(sources);
        Assert.All(sources, source =>
        {
            var path = RepoFiles.PathOf(source);
            Assert.True(File.Exists(path) || Directory.Exists(path), $"COPY {source}: no such file in the repository.");
            Assert.DoesNotContain(ignored, pattern => source.StartsWith(pattern.TrimEnd('/'), StringComparison.Ordinal));
        });
    }

    [Fact]
    public void Dockerfile_Publish_IsTheGatewayProjectTheEntrypointRuns()
    {
        var publish = Assert.Single(_dockerfile.Instructions, x => x.Instruction == "RUN" && x.Arguments.StartsWith("dotnet publish", StringComparison.Ordinal)).Arguments;
        var project = publish.Split(' ')[2];

        Assert.True(File.Exists(RepoFiles.PathOf(project)), $"dotnet publish {project}: no such project.");
        Assert.Equal("LlmRouter.Gateway.csproj", Path.GetFileName(project));
        Assert.Contains("-c Release", publish, StringComparison.Ordinal);
        Assert.Contains("-o /app", publish, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dockerfile_Healthcheck_ProbesTheImagePortAndAPathTheGatewayServes()
    {
        var healthcheck = Assert.Single(_dockerfile.FinalStage, x => x.Instruction == "HEALTHCHECK").Arguments;
        var command = Dockerfile.ExecForm(healthcheck[(healthcheck.IndexOf("CMD ", StringComparison.Ordinal) + 4)..]);
        var url = new Uri(command[Array.IndexOf(command, "--probe") + 1]);

        Assert.Equal(["dotnet", "/app/LlmRouter.Gateway.dll", "--probe"], command[..3]);
        Assert.Equal(_dockerfile.HttpPort, url.Port);
        await _gateway.AssertServesAsync(url.AbsolutePath, "HEALTHCHECK");
    }
}
