using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LlmRouter.IntegrationTests.Deploy;

/// <summary>
/// <c>deploy/compose</c> cannot be brought up here (no Docker daemon): its services, ports, mounts, environment, the
/// load balancer, Prometheus and Grafana files are checked against each other, the repository and the app.
/// </summary>
public sealed partial class ComposeTests : IClassFixture<GatewayFixture>
{
    private static readonly string[] Gateways = ["gateway-1", "gateway-2"];

    private readonly GatewayFixture _gateway;
    private readonly string _dir = RepoFiles.PathOf("deploy", "compose");
    private readonly YamlMappingNode _services;

    public ComposeTests(GatewayFixture gateway)
    {
        _gateway = gateway;
        _services = Assert.Single(Yaml.LoadFile(Path.Combine(_dir, "compose.yaml"))).Map("services");
    }

    private int HttpPort => Dockerfile.Load().HttpPort;

    [Fact]
    public void Compose_HasTwoGatewaysLoadBalancerRedisPrometheusAndGrafana()
        => Assert.Equal(["gateway-1", "gateway-2", "grafana", "lb", "prometheus", "redis"], _services.Entries().Select(s => s.Key).Order(StringComparer.Ordinal));

    [Fact]
    public void Compose_BindMountsAndBuildReferenceFilesThatExist()
    {
        foreach (var (name, service) in _services.Entries())
        {
            foreach (var volume in service.Items("volumes").OfType<YamlScalarNode>())
            {
                var source = volume.Value!.Split(':')[0];
                var path = Path.GetFullPath(Path.Combine(_dir, source));
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{name}: volume source {source} does not exist.");
            }

            if (service.Get("build") is { } build)
            {
                var context = Path.GetFullPath(Path.Combine(_dir, build.Required("context")));
                Assert.Equal(RepoFiles.Root, context.TrimEnd('/'));
                Assert.Equal(Dockerfile.RelativePath, build.Required("dockerfile"));
            }
        }
    }

    [Fact]
    public void Compose_PublishedPorts_BindToLoopbackByDefault()
    {
        var ports = _services.Entries().SelectMany(s => s.Value.Scalars("ports")).ToList();

        Assert.NotEmpty(ports);
        Assert.All(ports, port => Assert.Matches(@"^(127\.0\.0\.1|\$\{LLMROUTER_BIND:-127\.0\.0\.1\}):\d+:\d+$", port));
        Assert.All(Gateways, g => Assert.Empty(_services.Map(g).Scalars("ports")));
    }

    [Fact]
    public void Compose_GatewayEnvironment_IsReadByTheGatewayAndGraceExceedsDrain()
    {
        foreach (var name in Gateways)
        {
            var service = _services.Map(name);
            var environment = service.Map("environment").Entries().Select(e => new EnvVar(e.Key, ((YamlScalarNode)e.Value).Value)).ToList();
            var mounted = Assert.Single(service.Scalars("volumes"), v => v.Split(':')[1] == "/app/appsettings.json").Split(':')[0];

            var options = AppConfig.BindValid(File.ReadAllText(Path.Combine(_dir, mounted)), environment, $"compose {name}");

            Assert.Contains(new EnvVar("ASPNETCORE_HTTP_PORTS", HttpPort.ToString(CultureInfo.InvariantCulture)), environment);
            var grace = Seconds(service.Required("stop_grace_period"));
            Assert.True(grace > options.ShutdownDrainSeconds, $"compose {name}: stop_grace_period {grace}s must exceed ShutdownDrainSeconds {options.ShutdownDrainSeconds}s.");
            var redisHost = Assert.Single(environment, e => e.Name == "LlmRouter__Redis__Configuration").Value!.Split(':')[0];
            Assert.NotNull(_services.Get(redisHost));
            Assert.Equal("true", service.Required("read_only"));
            Assert.Contains("ALL", service.Scalars("cap_drop"));
        }
    }

    [Fact]
    public void Compose_EnvExample_HoldsOnlyVariablesComposePassesOn()
    {
        var compose = File.ReadAllText(Path.Combine(_dir, "compose.yaml"));
        var names = File.ReadAllLines(Path.Combine(_dir, ".env.example"))
            .Where(l => l.Contains('=', StringComparison.Ordinal) && !l.TrimStart().StartsWith('#'))
            .Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)].Trim()).ToList();

        Assert.Contains("OPENAI_API_KEY", names);
        Assert.All(names, name => Assert.True(compose.Contains("${" + name, StringComparison.Ordinal), $".env.example sets {name}, which compose.yaml never uses."));
        Assert.Contains(".env", File.ReadAllLines(Path.Combine(_dir, ".gitignore")));
    }

    [Fact]
    public async Task Compose_GatewayHealthcheck_ProbesTheHttpPortAndAPathTheGatewayServes()
    {
        foreach (var name in Gateways)
        {
            var test = _services.Map(name).Map("healthcheck").Scalars("test").ToArray();
            var url = new Uri(test[Array.IndexOf(test, "--probe") + 1]);

            Assert.Equal(["CMD", "dotnet", "/app/LlmRouter.Gateway.dll", "--probe"], test[..4]);
            Assert.Equal(HttpPort, url.Port);
            await _gateway.AssertServesAsync(url.AbsolutePath, $"compose {name} healthcheck");
        }
    }

    [Fact]
    public void Compose_EveryServiceHasAHealthcheck()
        => Assert.All(_services.Entries(), s => Assert.NotEmpty(s.Value.Map("healthcheck").Scalars("test")));

    [Fact]
    public void Nginx_Upstream_IsEveryGatewayOnTheHttpPort_AndListensOnThePublishedPort()
    {
        var conf = File.ReadAllText(Path.Combine(_dir, "nginx.conf"));
        var servers = NginxServer().Matches(conf).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);
        var listen = NginxListen().Match(conf).Groups[1].Value;

        Assert.Equal(Gateways.Select(g => $"{g}:{HttpPort}"), servers);
        Assert.Equal(listen, _services.Map("lb").Scalars("ports").Single().Split(':')[^1]);
        Assert.Contains("/etc/nginx/nginx.conf", _services.Map("lb").Scalars("volumes").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prometheus_ScrapesEveryGatewayAtAPathTheGatewayServes()
    {
        var job = Assert.Single(Assert.Single(Yaml.LoadFile(Path.Combine(_dir, "prometheus.yml"))).Items("scrape_configs"));
        var targets = job.Items("static_configs").SelectMany(c => c.Scalars("targets")).Order(StringComparer.Ordinal);

        Assert.Equal(Gateways.Select(g => $"{g}:{HttpPort}"), targets);
        await _gateway.AssertServesAsync(job.Required("metrics_path"), "prometheus.yml metrics_path");
    }

    [Fact]
    public void Grafana_ProvisionsPrometheusAndTheShippedDashboard()
    {
        var grafana = _services.Map("grafana");
        var dashboardMount = Assert.Single(grafana.Scalars("volumes"), v => v.StartsWith("../grafana/", StringComparison.Ordinal)).Split(':');
        var provisioningMount = Assert.Single(grafana.Scalars("volumes"), v => v.Split(':')[1] == "/etc/grafana/provisioning").Split(':')[0];
        var provisioning = Path.Combine(_dir, provisioningMount);
        var datasource = Assert.Single(Assert.Single(Yaml.LoadFile(Path.Combine(provisioning, "datasources", "prometheus.yaml"))).Items("datasources"));
        var provider = Assert.Single(Assert.Single(Yaml.LoadFile(Path.Combine(provisioning, "dashboards", "llmrouter.yaml"))).Items("providers"));

        Assert.Equal(RepoFiles.PathOf("deploy", "grafana", "llmrouter-dashboard.json"), Path.GetFullPath(Path.Combine(_dir, dashboardMount[0])));
        Assert.Equal(provider.Map("options").Required("path"), Path.GetDirectoryName(dashboardMount[1]));
        Assert.Equal(dashboardMount[1], grafana.Map("environment").Required("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"));
        Assert.Equal("prometheus", datasource.Required("type"));
        var url = new Uri(datasource.Required("url"));
        Assert.NotNull(_services.Get(url.Host));
        Assert.Contains(_services.Map(url.Host).Scalars("ports"), p => p.EndsWith(":" + url.Port, StringComparison.Ordinal));
    }

    private static double Seconds(string duration)
    {
        var match = Regex.Match(duration, @"^(\d+)(s|m)$");
        Assert.True(match.Success, $"Unexpected duration '{duration}'.");
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value == "m" ? value * 60 : value;
    }

    [GeneratedRegex(@"^\s*server\s+([\w.-]+:\d+)", RegexOptions.Multiline)]
    private static partial Regex NginxServer();

    [GeneratedRegex(@"^\s*listen\s+(\d+);", RegexOptions.Multiline)]
    private static partial Regex NginxListen();
}
