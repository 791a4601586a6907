namespace LlmRouter.Hosting;

/// <summary>The operator endpoints under <c>/admin</c> (<c>LlmRouter:Admin</c>).</summary>
public sealed class AdminOptions
{
    /// <summary>The default name of the configuration key or environment variable holding the admin key.</summary>
    public const string DefaultApiKeyVariable = "LLMROUTER_ADMIN_KEY";

    /// <summary>
    /// Name of the configuration key or environment variable that holds the admin key (never the key itself).
    /// When it holds no value the admin endpoints are disabled and answer 404.
    /// </summary>
    public string ApiKeyVariable { get; set; } = DefaultApiKeyVariable;
}
