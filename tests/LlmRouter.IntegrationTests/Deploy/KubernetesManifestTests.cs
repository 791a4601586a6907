using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace LlmRouter.IntegrationTests.Deploy;

/// <summary>
/// <c>deploy/k8s</c>: the raw files are checked always; both overlays are rendered with <c>kubectl kustomize</c>
/// (required: .ci/run installs Debian's kubernetes-client when kubectl is missing) and the rendered objects are
/// checked against the app and against each other.
/// </summary>
public sealed class KubernetesManifestTests : IClassFixture<GatewayFixture>
{
    private static readonly string K8s = RepoFiles.PathOf("deploy", "k8s");

    private readonly GatewayFixture _gateway;

    public KubernetesManifestTests(GatewayFixture gateway) => _gateway = gateway;

    [Fact]
    public async Task Base_GatewayDeployment_MatchesTheAppAndTheImage()
    {
        var deployment = Assert.Single(Yaml.LoadFile(Path.Combine(K8s, "base", "deployment.yaml")));

        await GatewayPod.CheckAsync(deployment, File.ReadAllText(Path.Combine(K8s, "base", "appsettings.json")), _gateway, "k8s/base");
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Overlay_GatewayPatch_SetsOnlyWhatTheGatewayReads(string overlay)
    {
        var dir = Path.Combine(K8s, "overlays", overlay);
        var baseEnvironment = GatewayPod.Container(Assert.Single(Yaml.LoadFile(Path.Combine(K8s, "base", "deployment.yaml")))).Items("env").Select(GatewayPod.ToEnvVar);
        var patch = Assert.Single(Yaml.LoadFile(Path.Combine(dir, "gateway-patch.yaml")));
        var patched = GatewayPod.Container(patch).Items("env").Select(GatewayPod.ToEnvVar).ToList();
        var environment = baseEnvironment.Where(e => patched.TrueForAll(p => p.Name != e.Name)).Concat(patched).ToList();
        var appsettings = File.Exists(Path.Combine(dir, "appsettings.json")) ? Path.Combine(dir, "appsettings.json") : Path.Combine(K8s, "base", "appsettings.json");

        AppConfig.BindValid(File.ReadAllText(appsettings), environment, $"k8s/overlays/{overlay}");
        Assert.Contains(patched, e => e.Name == "LlmRouter__Redis__Configuration");
    }

    [Fact]
    public void Prod_RawPatches_AskForAtLeastTwoReplicas()
    {
        var dir = Path.Combine(K8s, "overlays", "prod");

        Assert.True(int.Parse(Assert.Single(Yaml.LoadFile(Path.Combine(dir, "gateway-patch.yaml"))).Map("spec").Required("replicas"), CultureInfo.InvariantCulture) >= 2);
        Assert.True(int.Parse(Assert.Single(Yaml.LoadFile(Path.Combine(dir, "hpa-patch.yaml"))).Map("spec").Required("minReplicas"), CultureInfo.InvariantCulture) >= 2);
    }

    [Theory]
    [InlineData("base")]
    [InlineData("overlays/dev")]
    [InlineData("overlays/prod")]
    public void Kustomization_ReferencesFilesThatExist(string path)
    {
        var dir = Path.Combine(K8s, path);
        var kustomization = Assert.Single(Yaml.LoadFile(Path.Combine(dir, "kustomization.yaml")));
        var files = kustomization.Scalars("resources").Concat(kustomization.Scalars("patchesStrategicMerge"))
            .Concat(kustomization.Items("configMapGenerator").SelectMany(g => g.Scalars("files")));

        Assert.All(files, file => Assert.True(File.Exists(Path.Combine(dir, file)), $"{path}/kustomization.yaml names {file}, which does not exist."));
        Assert.All(kustomization.Scalars("bases"), b => Assert.True(File.Exists(Path.Combine(dir, b, "kustomization.yaml")), $"{path}: base {b} has no kustomization.yaml."));
    }

    [Fact]
    public async Task ServiceMonitor_ScrapesTheServicePortAtAPathTheGatewayServes()
    {
        var monitor = Assert.Single(Yaml.LoadFile(Path.Combine(K8s, "optional", "servicemonitor.yaml")));
        var service = Assert.Single(Yaml.LoadFile(Path.Combine(K8s, "base", "service.yaml")));
        var endpoint = Assert.Single(monitor.Map("spec").Items("endpoints"));

        Assert.Contains(service.Map("spec").Items("ports"), p => p.Str("name") == endpoint.Required("port"));
        await _gateway.AssertServesAsync(endpoint.Required("path"), "ServiceMonitor");
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public async Task Kustomize_Overlay_RendersObjectsThatMatchTheAppAndEachOther(string overlay)
    {
        var objects = await RenderAsync(overlay);
        var where = $"kubectl kustomize overlays/{overlay}";
        var deployment = Single(objects, "Deployment", "llmrouter");
        var podLabels = deployment.Map("spec").Map("template").Map("metadata").Map("labels");
        var container = GatewayPod.Container(deployment);
        var configMap = Single(objects, "ConfigMap", GatewayPod.ConfigMapName(deployment));

        await GatewayPod.CheckAsync(deployment, configMap.Map("data").Required("appsettings.json"), _gateway, where);

        var namespaceName = Single(objects, "Namespace", null).Map("metadata").Required("name");
        Assert.All(objects.Where(o => o.Str("kind") != "Namespace"), o => Assert.Equal(namespaceName, o.Map("metadata").Str("namespace")));
        var port = Assert.Single(container.Items("ports")).Required("containerPort");

        var service = Single(objects, "Service", "llmrouter");
        Assert.Equal("http", Assert.Single(service.Map("spec").Items("ports")).Required("targetPort"));
        AssertSelects(service.Map("spec").Map("selector"), podLabels, "Service");

        var policy = Single(objects, "NetworkPolicy", "llmrouter");
        AssertSelects(policy.Map("spec").Map("podSelector").Map("matchLabels"), podLabels, "NetworkPolicy");
        Assert.Equal([port], policy.Map("spec").Items("ingress").SelectMany(r => r.Items("ports")).Select(p => p.Required("port")));
        var egress = policy.Map("spec").Items("egress").SelectMany(r => r.Items("ports")).Select(p => $"{p.Required("port")}/{p.Required("protocol")}").ToHashSet();
        Assert.Superset(new HashSet<string> { "53/UDP", "53/TCP", "443/TCP", "6379/TCP" }, egress);

        var hpa = Single(objects, "HorizontalPodAutoscaler", "llmrouter");
        Assert.Equal("llmrouter", hpa.Map("spec").Map("scaleTargetRef").Required("name"));
        AssertSelects(Single(objects, "PodDisruptionBudget", "llmrouter").Map("spec").Map("selector").Map("matchLabels"), podLabels, "PodDisruptionBudget");
    }

    [Fact]
    public async Task Kustomize_Prod_RunsAtLeastTwoReplicasWithRedisAddressFromASecret()
    {
        var objects = await RenderAsync("prod");
        var deployment = Single(objects, "Deployment", "llmrouter");
        var redis = Assert.Single(GatewayPod.Container(deployment).Items("env"), e => e.Str("name") == "LlmRouter__Redis__Configuration");

        Assert.True(int.Parse(deployment.Map("spec").Required("replicas"), CultureInfo.InvariantCulture) >= 2);
        Assert.True(int.Parse(Single(objects, "HorizontalPodAutoscaler", "llmrouter").Map("spec").Required("minReplicas"), CultureInfo.InvariantCulture) >= 2);
        Assert.NotNull(redis.Map("valueFrom").Map("secretKeyRef").Str("name"));
        Assert.DoesNotContain(objects, o => o.Str("kind") == "StatefulSet");
    }

    [Fact]
    public async Task Kustomize_Dev_RunsRedisInClusterWhereTheGatewayLooksForIt()
    {
        var objects = await RenderAsync("dev");
        var deployment = Single(objects, "Deployment", "llmrouter");
        var address = Assert.Single(GatewayPod.Container(deployment).Items("env"), e => e.Str("name") == "LlmRouter__Redis__Configuration").Required("value").Split(':');
        var service = Single(objects, "Service", address[0]);
        var statefulSet = Single(objects, "StatefulSet", "redis");

        Assert.Contains(service.Map("spec").Items("ports"), p => p.Str("port") == address[1]);
        AssertSelects(service.Map("spec").Map("selector"), statefulSet.Map("spec").Map("template").Map("metadata").Map("labels"), "redis Service");
    }

    private static async Task<IReadOnlyList<YamlMappingNode>> RenderAsync(string overlay)
    {
        var kubectl = ChildProcess.FindOnPath("kubectl");
        Assert.True(kubectl is not null,
            "kubectl is not on PATH, so the overlays cannot be rendered. .ci/run installs it; locally: apt-get install -y kubernetes-client.");
        var (exitCode, output, error) = await ChildProcess.RunAsync(kubectl, ["kustomize", Path.Combine(K8s, "overlays", overlay)], TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, $"kubectl kustomize overlays/{overlay} failed: {error}");
        return Yaml.Load(output);
    }

    private static YamlMappingNode Single(IEnumerable<YamlMappingNode> objects, string kind, string? name)
        => Assert.Single(objects, o => o.Str("kind") == kind && (name is null || o.Map("metadata").Str("name") == name));

    private static void AssertSelects(YamlMappingNode selector, YamlMappingNode labels, string what)
    {
        Assert.NotEmpty(selector.Children);
        Assert.All(selector.Entries(), s => Assert.True(labels.Str(s.Key) == ((YamlScalarNode)s.Value).Value, $"{what} selector {s.Key} does not match the gateway pods."));
    }
}
