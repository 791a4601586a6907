using System.Globalization;
using LlmRouter.Configuration;
using YamlDotNet.RepresentationModel;

namespace LlmRouter.IntegrationTests.Deploy;

/// <summary>Checks a gateway Deployment (from the raw base or a rendered overlay) against the app and the image.</summary>
internal static class GatewayPod
{
    /// <summary>Seconds the host waits beyond ShutdownDrainSeconds for streams to end (AddLlmRouter's shutdown timeout).</summary>
    private const double HostShutdownMargin = 5;

    public static EnvVar ToEnvVar(YamlNode entry) => new(entry.Required("name"), entry.Str("value"));

    public static YamlNode Container(YamlNode deployment)
        => Assert.Single(PodSpec(deployment).Items("containers"), c => c.Str("name") == "gateway");

    public static YamlMappingNode PodSpec(YamlNode deployment) => deployment.Map("spec").Map("template").Map("spec");

    public static async Task<LlmRouterOptions> CheckAsync(YamlNode deployment, string appsettingsJson, GatewayFixture gateway, string where)
    {
        var pod = PodSpec(deployment);
        var container = Container(deployment);
        var environment = container.Items("env").Select(ToEnvVar).ToList();
        var options = AppConfig.BindValid(appsettingsJson, environment, where);

        var port = Assert.Single(environment, e => e.Name == "ASPNETCORE_HTTP_PORTS").Value;
        Assert.Equal(Dockerfile.Load().HttpPort.ToString(CultureInfo.InvariantCulture), port);
        Assert.Equal(port, Assert.Single(container.Items("ports"), p => p.Str("name") == "http").Required("containerPort"));

        foreach (var (probe, path) in new[] { ("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz") })
        {
            var httpGet = container.Map(probe).Map("httpGet");
            Assert.Equal(path, httpGet.Required("path"));
            Assert.Contains(httpGet.Required("port"), new[] { "http", port });
            await gateway.AssertServesAsync(path, $"{where} {probe}");
        }

        var annotations = deployment.Map("spec").Map("template").Map("metadata").Map("annotations");
        Assert.Equal(port, annotations.Required("prometheus.io/port"));
        await gateway.AssertServesAsync(annotations.Required("prometheus.io/path"), $"{where} prometheus.io/path");

        var grace = double.Parse(pod.Required("terminationGracePeriodSeconds"), CultureInfo.InvariantCulture);
        var preStop = double.Parse(container.Map("lifecycle").Map("preStop").Map("sleep").Required("seconds"), CultureInfo.InvariantCulture);
        var needed = preStop + options.ShutdownDrainSeconds + HostShutdownMargin;
        Assert.True(grace > needed,
            $"{where}: terminationGracePeriodSeconds {grace} must exceed preStop {preStop} + ShutdownDrainSeconds {options.ShutdownDrainSeconds} + {HostShutdownMargin}.");

        var security = container.Map("securityContext");
        Assert.Equal("true", pod.Map("securityContext").Required("runAsNonRoot"));
        Assert.Equal("true", security.Required("readOnlyRootFilesystem"));
        Assert.Equal("false", security.Required("allowPrivilegeEscalation"));
        Assert.Contains("ALL", security.Map("capabilities").Scalars("drop"));

        var resources = container.Map("resources");
        Assert.NotNull(resources.Map("requests").Str("cpu"));
        Assert.NotNull(resources.Map("requests").Str("memory"));
        Assert.NotNull(resources.Map("limits").Str("memory"));

        var mount = Assert.Single(container.Items("volumeMounts"), m => m.Str("mountPath") == "/app/appsettings.json");
        Assert.Equal("appsettings.json", mount.Required("subPath"));
        var volume = Assert.Single(pod.Items("volumes"), v => v.Str("name") == mount.Required("name"));
        Assert.NotNull(volume.Map("configMap").Str("name"));
        Assert.Contains(container.Items("volumeMounts"), m => m.Str("mountPath") == "/tmp");
        return options;
    }

    /// <summary>The name of the ConfigMap the gateway's appsettings.json comes from.</summary>
    public static string ConfigMapName(YamlNode deployment)
    {
        var mount = Assert.Single(Container(deployment).Items("volumeMounts"), m => m.Str("mountPath") == "/app/appsettings.json");
        return Assert.Single(PodSpec(deployment).Items("volumes"), v => v.Str("name") == mount.Required("name")).Map("configMap").Required("name");
    }
}
