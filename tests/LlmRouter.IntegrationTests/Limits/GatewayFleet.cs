using LlmRouter.IntegrationTests.Infrastructure;

namespace LlmRouter.IntegrationTests.Limits;

/// <summary>Several gateway instances on their own Kestrel ports with the same settings, sharing one Redis.</summary>
public sealed class GatewayFleet : IDisposable
{
    public GatewayFleet(int count, TestCatalog catalog, Dictionary<string, string?> settings)
    {
        Instances = Enumerable.Range(0, count).Select(_ => new GatewayApp(catalog, settings)).ToArray();
    }

    public GatewayApp[] Instances { get; }

    public GatewayApp this[int index] => Instances[index];

    /// <summary>One client per instance, each sending <paramref name="key"/>.</summary>
    public HttpClient[] Clients(string? key) => [.. Instances.Select(i => Tenants.Client(i, key))];

    public void Dispose()
    {
        foreach (var instance in Instances)
        {
            instance.Dispose();
        }
    }
}
