using System.Collections.Concurrent;
using LlmRouter.Configuration;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace LlmRouter.Resilience;

/// <summary>
/// One Polly circuit breaker per deployment: opens on a failure ratio over a sampling window, lets one probe
/// through when half-open, closes on its success. The same breaker both gates attempts and reports state to
/// the attempt loop (which skips open circuits), metrics and admin: one mechanism, not two.
/// </summary>
internal sealed class DeploymentCircuitBreakers
{
    private readonly ConcurrentDictionary<string, Breaker> _breakers = new(StringComparer.Ordinal);
    private readonly IOptionsMonitor<LlmRouterOptions> _options;
    private readonly TimeProvider _time;

    public DeploymentCircuitBreakers(IOptionsMonitor<LlmRouterOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>The breaker for a deployment; rebuilt when the breaker settings change on reload.</summary>
    public Breaker For(string deploymentId)
    {
        var settings = _options.CurrentValue.CircuitBreaker;
        if (_breakers.TryGetValue(deploymentId, out var breaker) && breaker.Settings == settings)
        {
            return breaker;
        }

        var created = Create(settings);
        return _breakers.AddOrUpdate(deploymentId, created, (_, existing) => existing.Settings == settings ? existing : created);
    }

    public CircuitState StateOf(string deploymentId)
        => _breakers.TryGetValue(deploymentId, out var breaker) ? breaker.State : CircuitState.Closed;

    private Breaker Create(CircuitBreakerOptions settings)
    {
        var stateProvider = new CircuitBreakerStateProvider();
        var breaker = new Breaker(stateProvider, settings, _time);
        breaker.Pipeline = new ResiliencePipelineBuilder<AttemptVerdict> { TimeProvider = _time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<AttemptVerdict>
            {
                FailureRatio = settings.FailureRatio,
                MinimumThroughput = settings.MinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(settings.SamplingDurationSeconds),
                BreakDuration = TimeSpan.FromSeconds(settings.BreakDurationSeconds),
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null and not OperationCanceledException || args.Outcome.Result == AttemptVerdict.Failure),
                StateProvider = stateProvider,
                OnOpened = args =>
                {
                    breaker.OpenUntil = _time.GetUtcNow() + args.BreakDuration;
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        return breaker;
    }

    /// <summary>A deployment's breaker pipeline and its observable state.</summary>
    internal sealed class Breaker
    {
        private readonly CircuitBreakerStateProvider _state;
        private readonly TimeProvider _time;

        public Breaker(CircuitBreakerStateProvider state, CircuitBreakerOptions settings, TimeProvider time)
        {
            _state = state;
            _time = time;
            Settings = settings;
        }

        public ResiliencePipeline<AttemptVerdict> Pipeline { get; set; } = ResiliencePipeline<AttemptVerdict>.Empty;

        public CircuitBreakerOptions Settings { get; }

        /// <summary>When an open circuit lets its probe through.</summary>
        public DateTimeOffset OpenUntil { get; set; }

        /// <summary>
        /// Polly moves an open circuit to half-open only when an execution arrives after the break; since open
        /// circuits get no attempts, an expired break is reported as half-open so the probe can be sent.
        /// </summary>
        public CircuitState State
        {
            get
            {
                var state = _state.CircuitState;
                return state == CircuitState.Open && _time.GetUtcNow() >= OpenUntil ? CircuitState.HalfOpen : state;
            }
        }
    }
}
