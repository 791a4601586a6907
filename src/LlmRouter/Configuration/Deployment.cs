namespace LlmRouter.Configuration;

/// <summary>A deployment as the running gateway sees it: options plus the resolved upstream address.</summary>
internal sealed class Deployment
{
    public Deployment(string id, DeploymentOptions options, Uri baseAddress)
    {
        Id = id;
        Options = options;
        BaseAddress = baseAddress;
        UpstreamModel = string.IsNullOrWhiteSpace(options.Model) ? id : options.Model;
    }

    public string Id { get; }

    public DeploymentOptions Options { get; }

    public ProviderKind Provider => Options.Provider;

    /// <summary>The model id the provider receives.</summary>
    public string UpstreamModel { get; }

    /// <summary>Where requests go: the provider's base URL, or this deployment's path on the simulator.</summary>
    public Uri BaseAddress { get; }

    public bool IsSimulated => string.Equals(Options.BaseUrl, DeploymentOptions.Simulated, StringComparison.OrdinalIgnoreCase);
}
