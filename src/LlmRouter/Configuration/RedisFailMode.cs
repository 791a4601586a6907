namespace LlmRouter.Configuration;

/// <summary>What admission does while Redis is unreachable.</summary>
public enum RedisFailMode
{
    /// <summary>Keep serving with per-replica in-process limits until Redis is back.</summary>
    Open,

    /// <summary>Refuse requests with 503 and Retry-After until Redis is back.</summary>
    Closed,
}
