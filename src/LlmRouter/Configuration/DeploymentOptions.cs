namespace LlmRouter.Configuration;

/// <summary>One upstream deployment: a model at a provider endpoint.</summary>
public sealed class DeploymentOptions
{
    /// <summary>The value of <see cref="BaseUrl"/> that selects the built-in simulated upstream.</summary>
    public const string Simulated = "simulated";

    /// <summary>The provider wire format.</summary>
    public ProviderKind Provider { get; set; }

    /// <summary>The upstream model id sent to the provider (defaults to the deployment id).</summary>
    public string? Model { get; set; }

    /// <summary>Scheme and host of the provider (e.g. <c>https://api.openai.com</c>), or <c>simulated</c>.</summary>
    public string BaseUrl { get; set; } = Simulated;

    /// <summary>Name of the configuration key or environment variable that holds the API key. Never the key itself.</summary>
    public string? ApiKeyVariable { get; set; }

    /// <summary>Static weight for the weighted policy; 0 drains the deployment.</summary>
    public int Weight { get; set; } = 1;

    /// <summary>Default <c>max_tokens</c> sent when the client sends none and the provider requires one (Anthropic).</summary>
    public int DefaultMaxTokens { get; set; } = 4096;

    /// <summary>Capability scores (0-100) by dimension, e.g. speed, accuracy, creativity, ethics, cost.</summary>
    public Dictionary<string, double> Profile { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Task categories this deployment specialises in (contextual policy).</summary>
    public List<string> Specializations { get; set; } = [];

    /// <summary>Price per million tokens, in USD.</summary>
    public PricingOptions Pricing { get; set; } = new();

    /// <summary>Behaviour of the simulated upstream when <see cref="BaseUrl"/> is <c>simulated</c>.</summary>
    public SimulationOptions Simulation { get; set; } = new();

    /// <summary>Gemini 3 style models require thought signatures on function calls in history.</summary>
    public bool RequiresThoughtSignatures { get; set; }

    /// <summary>
    /// Client request headers passed to this deployment in addition to the provider adapter's own allowlist
    /// (e.g. <c>anthropic-beta</c>). Nothing else the client sends reaches the provider.
    /// </summary>
    public List<string> ForwardHeaders { get; set; } = [];

    /// <summary>The provider's request quota for this deployment, shared by the fleet; at quota the deployment is skipped.</summary>
    public int? RequestsPerMinute { get; set; }

    /// <summary>The provider's token quota (input + output per minute), shared by the fleet.</summary>
    public long? TokensPerMinute { get; set; }

    /// <summary>Claude models that reject <c>temperature</c> and <c>top_p</c> together.</summary>
    public bool TemperatureOrTopPOnly { get; set; } = true;
}
