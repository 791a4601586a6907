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

        return Replace(deploymentId, settings);
    }

    // Apart from For: the lambda's captures would otherwise be allocated on every call, not only on this path.
    private Breaker Replace(string deploymentId, CircuitBreakerOptions settings)
    {
        var created = Create(settings);
        return _breakers.AddOrUpdate(deploymentId, created, (_, existing) => existing.Settings == settings ? existing : created);
    }

    public CircuitState StateOf(string deploymentId)
        => _breakers.TryGetValue(deploymentId, out var breaker) ? breaker.State : CircuitState.Closed;

    private Breaker Create(CircuitBreakerOptions settings)
    {
        var stateProvider = new CircuitBreakerStateProvider();
        var openUntil = new OpenUntil();
        var pipeline = new ResiliencePipelineBuilder<AttemptVerdict> { TimeProvider = _time }
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
                    openUntil.Set(_time.GetUtcNow() + args.BreakDuration);
                    return default;
                },
                OnHalfOpened = _ =>
                {
                    openUntil.Set(DateTimeOffset.MaxValue);
                    return default;
                },
            })
            .Build();
        return new Breaker(pipeline, stateProvider, settings, openUntil, _time);
    }

    /// <summary>A deployment's breaker pipeline and its observable state.</summary>
    internal sealed class Breaker
    {
        private readonly CircuitBreakerStateProvider _state;
        private readonly OpenUntil _openUntil;
        private readonly TimeProvider _time;

        public Breaker(ResiliencePipeline<AttemptVerdict> pipeline, CircuitBreakerStateProvider state, CircuitBreakerOptions settings, OpenUntil openUntil, TimeProvider time)
        {
            Pipeline = pipeline;
            _state = state;
            Settings = settings;
            _openUntil = openUntil;
            _time = time;
        }

        public ResiliencePipeline<AttemptVerdict> Pipeline { get; }

        public CircuitBreakerOptions Settings { get; }

        /// <summary>
        /// Polly's own state is Closed: an attempt may be sent and its outcome recorded afterwards with
        /// <see cref="RecordAsync"/>, which is what the breaker does in that state, without wrapping the whole
        /// forward in the pipeline's async layers. Any other state goes through <see cref="Pipeline"/>, which gates
        /// the half-open probe.
        /// </summary>
        public bool IsClosed => _state.CircuitState == CircuitState.Closed;

        /// <summary>
        /// Records the outcome of an attempt sent while the circuit was closed (a synchronous execution of the
        /// pipeline). When the circuit left Closed in the meantime the breaker has moved on: the outcome of an
        /// attempt started before that would not change what it does next, and it must not count as the probe.
        /// </summary>
        public async ValueTask RecordAsync(AttemptVerdict verdict)
        {
            if (!IsClosed)
            {
                return;
            }

            var context = ResilienceContextPool.Shared.Get();
            try
            {
                await Pipeline.ExecuteOutcomeAsync(static (_, outcome) => Outcome.FromResultAsValueTask(outcome), context, verdict);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }

        /// <summary>
        /// Polly leaves Open for HalfOpen only when an execution arrives after the break; callers that skip open
        /// circuits would then never send the probe. Once the break is over the state reads HalfOpen.
        /// </summary>
        public CircuitState State
        {
            get
            {
                var state = _state.CircuitState;
                return state == CircuitState.Open && _time.GetUtcNow() >= _openUntil.Value ? CircuitState.HalfOpen : state;
            }
        }
    }

    /// <summary>When the current break ends; unknown (max) until Polly reports the opening.</summary>
    internal sealed class OpenUntil
    {
        private long _ticks = DateTimeOffset.MaxValue.UtcTicks;

        public DateTimeOffset Value => new(Volatile.Read(ref _ticks), TimeSpan.Zero);

        public void Set(DateTimeOffset until) => Volatile.Write(ref _ticks, until.UtcTicks);
    }
}
