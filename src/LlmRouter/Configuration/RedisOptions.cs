namespace LlmRouter.Configuration;

/// <summary>Fleet-wide state in Redis (<c>LlmRouter:Redis</c>); without a connection string state stays in process.</summary>
public sealed class RedisOptions
{
    /// <summary>A StackExchange.Redis connection string, e.g. <c>127.0.0.1:6379</c>. Empty: in-process state (single replica).</summary>
    public string? Configuration { get; set; }

    /// <summary>What admission does while Redis is unreachable.</summary>
    public RedisFailMode FailMode { get; set; } = RedisFailMode.Open;
}
