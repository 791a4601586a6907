namespace LlmRouter.Resilience;

/// <summary>What an upstream attempt means for the deployment's circuit breaker.</summary>
internal enum AttemptVerdict
{
    /// <summary>The deployment answered properly.</summary>
    Success,

    /// <summary>The deployment failed (5xx, 429, connection, timeout, broken stream): counts toward opening the circuit.</summary>
    Failure,

    /// <summary>The request itself was at fault (4xx): says nothing about the deployment's health.</summary>
    ClientError,
}
