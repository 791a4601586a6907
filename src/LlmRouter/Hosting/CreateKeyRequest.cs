using LlmRouter.Configuration;

namespace LlmRouter.Hosting;

/// <summary>The body of <c>POST /admin/keys</c>.</summary>
internal sealed class CreateKeyRequest : TenantLimitsOptions
{
    public string? Name { get; set; }

    public string? Team { get; set; }

    public List<string>? Routes { get; set; }
}
