using LlmRouter.Telemetry;
using Polly.CircuitBreaker;

namespace LlmRouter.Tests.Telemetry;

public sealed class CircuitStateValuesTests
{
    [Theory]
    [InlineData(CircuitState.Closed, 0, "closed")]
    [InlineData(CircuitState.HalfOpen, 1, "half-open")]
    [InlineData(CircuitState.Open, 2, "open")]
    [InlineData(CircuitState.Isolated, 3, "isolated")]
    public void Map_EachState_GaugeValueOrderedBySeverityAndName(CircuitState state, int gauge, string name)
    {
        Assert.Equal(gauge, CircuitStateValues.ToGaugeValue(state));
        Assert.Equal(name, CircuitStateValues.ToName(state));
    }
}
