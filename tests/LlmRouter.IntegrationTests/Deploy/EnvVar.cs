namespace LlmRouter.IntegrationTests.Deploy;

/// <summary>An environment variable a deploy file sets: its value, or null when it comes from a Secret or the pod.</summary>
internal sealed record EnvVar(string Name, string? Value);
