using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmRouter.IntegrationTests.Infrastructure;

/// <summary>Builds the <c>LlmRouter</c> configuration section for a test.</summary>
public sealed class TestCatalog
{
    private readonly JsonObject _deployments;
    private readonly JsonObject _routes;
    private readonly JsonObject _root = [];

    public TestCatalog()
        : this([], [])
    {
    }

    private TestCatalog(JsonObject deployments, JsonObject routes)
    {
        _deployments = deployments;
        _routes = routes;
    }

    /// <summary>The catalog shipped in src/LlmRouter.Gateway/appsettings.json, with simulated upstreams answering at once.</summary>
    public static TestCatalog Shipped()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LlmRouter.sln")))
        {
            directory = directory.Parent;
        }

        var path = Path.Combine(directory?.FullName ?? throw new InvalidOperationException("LlmRouter.sln not found"), "src", "LlmRouter.Gateway", "appsettings.json");
        var section = JsonNode.Parse(File.ReadAllText(path))!["LlmRouter"]!.AsObject();
        var deployments = section["Deployments"]!.AsObject();
        foreach (var (_, deployment) in deployments)
        {
            deployment!["Simulation"] = new JsonObject { ["LatencyMs"] = 0, ["TimeToFirstTokenMs"] = 0, ["TokensPerSecond"] = 0, ["ErrorRate"] = 0 };
        }

        return new TestCatalog((JsonObject)deployments.DeepClone(), (JsonObject)section["Routes"]!.DeepClone());
    }

    public TestCatalog Deployment(string id, string provider, string baseUrl, string? model = null, int weight = 1, string? apiKeyVariable = null, Action<JsonObject>? configure = null)
    {
        var deployment = new JsonObject
        {
            ["Provider"] = provider,
            ["BaseUrl"] = baseUrl,
            ["Model"] = model ?? id,
            ["Weight"] = weight,
            ["ApiKeyVariable"] = apiKeyVariable,
            // Simulated upstreams answer at once in tests.
            ["Simulation"] = new JsonObject { ["LatencyMs"] = 0, ["TimeToFirstTokenMs"] = 0, ["TokensPerSecond"] = 0, ["ErrorRate"] = 0 },
        };
        configure?.Invoke(deployment);
        _deployments[id] = deployment;
        return this;
    }

    public TestCatalog Route(string name, string policy, string[] deployments, Action<JsonObject>? configure = null)
    {
        var route = new JsonObject { ["Policy"] = policy, ["Deployments"] = new JsonArray(deployments.Select(d => (JsonNode)d).ToArray()) };
        configure?.Invoke(route);
        _routes[name] = route;
        return this;
    }

    public TestCatalog Set(string key, JsonNode value)
    {
        _root[key] = value;
        return this;
    }

    public string ToJson()
    {
        var section = new JsonObject { ["Deployments"] = _deployments.DeepClone(), ["Routes"] = _routes.DeepClone() };
        foreach (var (key, value) in _root)
        {
            section[key] = value?.DeepClone();
        }

        return new JsonObject { ["LlmRouter"] = section }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
