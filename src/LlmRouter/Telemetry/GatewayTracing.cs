using System.Diagnostics;

namespace LlmRouter.Telemetry;

/// <summary>LlmRouter's <see cref="ActivitySource"/>: one span per upstream attempt under the request's span.</summary>
internal static class GatewayTracing
{
    public const string SourceName = "LlmRouter";

    public static readonly ActivitySource Source = new(SourceName);
}
