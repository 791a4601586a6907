using LlmRouter.Configuration;
using LlmRouter.Resilience;
using Microsoft.Extensions.Options;

namespace LlmRouter.Tests.Resilience;

/// <summary>Breakers over fixed settings, and outcomes fed through them as the forwarding path does.</summary>
internal static class BreakerTestKit
{
    public static DeploymentCircuitBreakers Breakers(TimeProvider time, int minimumThroughput = 2, double breakSeconds = 5)
        => new(new FixedOptionsMonitor(new LlmRouterOptions
        {
            CircuitBreaker = new CircuitBreakerOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = minimumThroughput,
                SamplingDurationSeconds = 30,
                BreakDurationSeconds = breakSeconds,
            },
        }), time);

    /// <summary>Breakers whose options are bound anew on every read, as after each configuration reload.</summary>
    public static DeploymentCircuitBreakers BreakersReloadedOnEveryRead(TimeProvider time)
        => new(new ReloadingOptionsMonitor(() => new LlmRouterOptions
        {
            CircuitBreaker = new CircuitBreakerOptions { FailureRatio = 0.5, MinimumThroughput = 2, SamplingDurationSeconds = 30, BreakDurationSeconds = 5 },
        }), time);

    /// <summary>Runs one attempt with the given verdict through the deployment's breaker; false when the breaker refused it.</summary>
    public static async Task<bool> RecordAsync(DeploymentCircuitBreakers breakers, string deployment, AttemptVerdict verdict)
    {
        try
        {
            await breakers.For(deployment).Pipeline.ExecuteAsync(_ => ValueTask.FromResult(verdict));
            return true;
        }
        catch (Polly.CircuitBreaker.BrokenCircuitException)
        {
            return false;
        }
    }

    private sealed class FixedOptionsMonitor(LlmRouterOptions value) : IOptionsMonitor<LlmRouterOptions>
    {
        public LlmRouterOptions CurrentValue => value;

        public LlmRouterOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<LlmRouterOptions, string?> listener) => null;
    }

    private sealed class ReloadingOptionsMonitor(Func<LlmRouterOptions> bind) : IOptionsMonitor<LlmRouterOptions>
    {
        public LlmRouterOptions CurrentValue => bind();

        public LlmRouterOptions Get(string? name) => bind();

        public IDisposable? OnChange(Action<LlmRouterOptions, string?> listener) => null;
    }
}
