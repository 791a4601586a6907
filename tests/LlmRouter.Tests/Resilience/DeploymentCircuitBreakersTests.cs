using LlmRouter.Resilience;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;

namespace LlmRouter.Tests.Resilience;

public sealed class DeploymentCircuitBreakersTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Failures_AtRatioAndThroughput_OpenOnlyThatDeployment()
    {
        var breakers = BreakerTestKit.Breakers(_time);

        await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Failure);
        Assert.Equal(CircuitState.Closed, breakers.StateOf("a"));
        await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Failure);

        Assert.Equal(CircuitState.Open, breakers.StateOf("a"));
        Assert.Equal(CircuitState.Closed, breakers.StateOf("b"));
        Assert.False(await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Success));
    }

    [Fact]
    public async Task RecordAsync_FailuresSentWhileClosed_OpenTheCircuitLikeWrappedExecutions()
    {
        var breakers = BreakerTestKit.Breakers(_time);
        var breaker = breakers.For("a");

        Assert.True(breaker.IsClosed);
        await breaker.RecordAsync(AttemptVerdict.Failure);
        Assert.Equal(CircuitState.Closed, breakers.StateOf("a"));
        await breaker.RecordAsync(AttemptVerdict.Failure);

        Assert.Equal(CircuitState.Open, breakers.StateOf("a"));
        Assert.False(breaker.IsClosed);
        Assert.False(await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Success));
    }

    [Fact]
    public async Task RecordAsync_OutcomeArrivingAfterTheCircuitLeftClosed_IsNotTakenAsTheProbe()
    {
        var breakers = BreakerTestKit.Breakers(_time);
        var breaker = breakers.For("a");
        await breaker.RecordAsync(AttemptVerdict.Failure);
        await breaker.RecordAsync(AttemptVerdict.Failure);
        _time.Advance(TimeSpan.FromSeconds(5.1));
        Assert.Equal(CircuitState.HalfOpen, breakers.StateOf("a"));

        // A success from an attempt sent before the circuit opened must not close it: only a probe may.
        await breaker.RecordAsync(AttemptVerdict.Success);

        Assert.Equal(CircuitState.HalfOpen, breakers.StateOf("a"));
        Assert.True(await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Success));
        Assert.Equal(CircuitState.Closed, breakers.StateOf("a"));
    }

    [Fact]
    public async Task ReloadWithSameSettings_KeepsTheOpenCircuit()
    {
        var breakers = BreakerTestKit.BreakersReloadedOnEveryRead(_time);

        await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Failure);
        await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Failure);

        Assert.Equal(CircuitState.Open, breakers.StateOf("a"));
        Assert.False(await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Success));
    }

    [Fact]
    public async Task ClientErrors_DoNotOpenTheCircuit()
    {
        var breakers = BreakerTestKit.Breakers(_time);

        for (var i = 0; i < 5; i++)
        {
            await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.ClientError);
        }

        Assert.Equal(CircuitState.Closed, breakers.StateOf("a"));
    }

    [Fact]
    public async Task AfterBreakDuration_StateAllowsOneProbe_SuccessCloses()
    {
        var breakers = BreakerTestKit.Breakers(_time);
        await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Failure);
        await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Failure);

        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(CircuitState.Open, breakers.StateOf("a"));

        _time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(CircuitState.HalfOpen, breakers.StateOf("a"));
        Assert.True(await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Success));
        Assert.Equal(CircuitState.Closed, breakers.StateOf("a"));
    }

    [Fact]
    public async Task FailedProbe_ReopensForAFullBreak()
    {
        var breakers = BreakerTestKit.Breakers(_time);
        await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Failure);
        await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Failure);
        _time.Advance(TimeSpan.FromSeconds(5.1));

        Assert.True(await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Failure));

        Assert.Equal(CircuitState.Open, breakers.StateOf("a"));
        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(CircuitState.Open, breakers.StateOf("a"));
        _time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(CircuitState.HalfOpen, breakers.StateOf("a"));
    }

    [Fact]
    public async Task ProbeInFlight_OtherAttemptsAreRefused()
    {
        var breakers = BreakerTestKit.Breakers(_time);
        await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Failure);
        await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Failure);
        _time.Advance(TimeSpan.FromSeconds(5.1));
        var probeRunning = new TaskCompletionSource();
        var releaseProbe = new TaskCompletionSource();

        var probe = breakers.For("a").Pipeline.ExecuteAsync(async _ =>
        {
            probeRunning.SetResult();
            await releaseProbe.Task;
            return AttemptVerdict.Success;
        }).AsTask();
        await probeRunning.Task;

        Assert.False(await BreakerTestKit.RecordAsync(breakers, "a", AttemptVerdict.Success));
        releaseProbe.SetResult();
        await probe;
        Assert.Equal(CircuitState.Closed, breakers.StateOf("a"));
    }
}
