namespace LlmRouter.Configuration;

/// <summary>One configured gateway key (<c>LlmRouter:Auth:Keys:&lt;name&gt;</c>): its hash, team, allowed models and limits.</summary>
public sealed class GatewayKeyOptions : TenantLimitsOptions
{
    /// <summary><c>sha256:</c> + lowercase hex SHA-256 of the key's UTF-8 bytes. Never the key itself.</summary>
    public string? Hash { get; set; }

    /// <summary>The team whose limits (<c>LlmRouter:Auth:Teams:&lt;team&gt;</c>) this key shares.</summary>
    public string? Team { get; set; }

    /// <summary>Route names or deployment ids this key may call; empty: every model.</summary>
    public List<string> Routes { get; set; } = [];
}
