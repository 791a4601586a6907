using Polly.CircuitBreaker;

namespace LlmRouter.Telemetry;

/// <summary>How a circuit state is exported: a gauge value ordered by severity and a name for admin output.</summary>
internal static class CircuitStateValues
{
    /// <summary>0 closed, 1 half-open, 2 open, 3 isolated (Polly's own enum order is not by severity).</summary>
    public static int ToGaugeValue(CircuitState state) => state switch
    {
        CircuitState.Closed => 0,
        CircuitState.HalfOpen => 1,
        CircuitState.Open => 2,
        CircuitState.Isolated => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown circuit state."),
    };

    public static string ToName(CircuitState state) => state switch
    {
        CircuitState.Closed => "closed",
        CircuitState.HalfOpen => "half-open",
        CircuitState.Open => "open",
        CircuitState.Isolated => "isolated",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown circuit state."),
    };
}
