namespace LlmRouter.Configuration;

/// <summary>
/// The per-deployment circuit breaker (<c>LlmRouter:CircuitBreaker</c>). A record so that a reload with the same
/// values keeps every breaker's state (reloads bind a new instance).
/// </summary>
public sealed record CircuitBreakerOptions
{
    /// <summary>Failure ratio over the sampling window that opens the circuit.</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Attempts needed in the window before the ratio counts.</summary>
    public int MinimumThroughput { get; set; } = 10;

    /// <summary>The sampling window, in seconds.</summary>
    public double SamplingDurationSeconds { get; set; } = 30;

    /// <summary>How long the circuit stays open before one probe is let through, in seconds.</summary>
    public double BreakDurationSeconds { get; set; } = 15;
}
