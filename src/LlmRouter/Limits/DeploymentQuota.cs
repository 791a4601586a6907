namespace LlmRouter.Limits;

/// <summary>A deployment's provider quota and the tokens one finished request used on it.</summary>
internal readonly record struct DeploymentQuota(string DeploymentId, int? RequestsPerMinute, long? TokensPerMinute, long Tokens);
