using System.Text;
using System.Text.Json.Nodes;
using LlmRouter.Configuration;
using Microsoft.Extensions.Configuration;

namespace LlmRouter.IntegrationTests.Deploy;

/// <summary>
/// What the gateway reads: deploy files are checked against the options classes with the real configuration binder,
/// so a key no property reads (a typo, a renamed option) fails instead of being silently ignored.
/// </summary>
internal static class AppConfig
{
    /// <summary>Keys read with <c>IConfiguration</c> directly rather than bound (AddLlmRouterLogging, AddLlmRouterTelemetry).</summary>
    private static readonly string[] DirectKeys = ["LlmRouter:Logging:Json", "LlmRouter:Telemetry:OtlpEndpoint"];

    /// <summary>The host's own variables (Kestrel's port list, the environment name).</summary>
    private static readonly string[] HostVariables = ["ASPNETCORE_HTTP_PORTS", "ASPNETCORE_ENVIRONMENT"];

    /// <summary>Top-level sections of appsettings.json the host reads.</summary>
    private static readonly string[] Sections = [LlmRouterOptions.SectionName, "Serilog", "AllowedHosts"];

    public static string ToKey(string variable) => variable.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>
    /// Binds appsettings.json and then the environment, as the host does, onto <see cref="LlmRouterOptions"/>; throws
    /// when a key under <c>LlmRouter</c> maps onto no property. Values from Secrets get a placeholder.
    /// </summary>
    public static LlmRouterOptions Bind(string appsettingsJson, IEnumerable<EnvVar> environment)
    {
        var json = JsonNode.Parse(appsettingsJson)!.AsObject();
        var unknownSections = json.Select(p => p.Key).Where(k => !Sections.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        Assert.True(unknownSections.Count == 0, $"appsettings.json has sections the host does not read: {string.Join(", ", unknownSections)}");

        var fromEnvironment = environment
            .Select(e => KeyValuePair.Create(ToKey(e.Name), (string?)(e.Value ?? "from-secret")))
            .Where(e => e.Key.StartsWith(LlmRouterOptions.SectionName + ":", StringComparison.OrdinalIgnoreCase));
        var all = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(appsettingsJson)))
            .AddInMemoryCollection(fromEnvironment)
            .Build();
        var bound = all.AsEnumerable().Where(e => e.Value is not null && !DirectKeys.Contains(e.Key, StringComparer.OrdinalIgnoreCase));
        var options = new LlmRouterOptions();
        new ConfigurationBuilder().AddInMemoryCollection(bound).Build()
            .GetSection(LlmRouterOptions.SectionName)
            .Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        return options;
    }

    /// <summary>Binds, validates like the gateway's start does, and returns the options.</summary>
    public static LlmRouterOptions BindValid(string appsettingsJson, IReadOnlyList<EnvVar> environment, string where)
    {
        var options = Bind(appsettingsJson, environment);
        var result = new LlmRouterOptionsValidator().Validate(null, options);
        Assert.True(result.Succeeded, $"{where}: the gateway would refuse to start: {result.FailureMessage}");
        foreach (var variable in environment)
        {
            Assert.True(IsRead(variable.Name, options), $"{where}: {variable.Name} is set but the gateway reads no such variable or key.");
        }

        return options;
    }

    /// <summary>True when the gateway reads this variable: an options key, a direct key, a host variable or a key variable it names.</summary>
    public static bool IsRead(string variable, LlmRouterOptions options)
    {
        var key = ToKey(variable);
        if (key.StartsWith(LlmRouterOptions.SectionName + ":", StringComparison.OrdinalIgnoreCase) || key.StartsWith("Serilog:", StringComparison.OrdinalIgnoreCase))
        {
            // Bind has already rejected LlmRouter keys that map onto nothing; Serilog reads its whole section.
            return true;
        }

        var keyVariables = options.Deployments.Values.Select(d => d.ApiKeyVariable).Append(options.Admin.ApiKeyVariable);
        return HostVariables.Contains(variable, StringComparer.Ordinal) || keyVariables.Contains(variable, StringComparer.Ordinal);
    }
}
