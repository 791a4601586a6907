using System.Runtime.CompilerServices;
using LlmRouter.Configuration;
using Polly;
using Polly.Retry;

namespace LlmRouter.Resilience;

/// <summary>
/// The Polly retry pipeline of each route, built once per route definition (a reload builds new ones).
/// Attempts are bounded by the route's MaxAttempts; the delay honours a short Retry-After when the route
/// waits for the same deployment, and is otherwise an exponential backoff with jitter before failing over.
/// </summary>
internal sealed class RetryPipelines
{
    private readonly ConditionalWeakTable<RouteDefinition, ResiliencePipeline<AttemptOutcome>> _pipelines = [];
    private readonly TimeProvider _time;

    public RetryPipelines(TimeProvider time)
    {
        _time = time;
    }

    public ResiliencePipeline<AttemptOutcome> For(RouteDefinition route)
        => _pipelines.GetValue(route, Create);

    private ResiliencePipeline<AttemptOutcome> Create(RouteDefinition route)
    {
        var options = route.Options.Resilience;
        if (options.MaxAttempts <= 1)
        {
            return ResiliencePipeline<AttemptOutcome>.Empty;
        }

        return new ResiliencePipelineBuilder<AttemptOutcome> { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions<AttemptOutcome>
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(options.BackoffMilliseconds),
                MaxDelay = TimeSpan.FromSeconds(Math.Max(1, options.RetrySameDeploymentWithinSeconds)),
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result.Retry),
                DelayGenerator = args =>
                {
                    // A short Retry-After the route is willing to wait out: wait exactly that long.
                    var retryAfter = args.Outcome.Result.Error?.RetryAfter;
                    return ValueTask.FromResult(retryAfter is { } wait && wait.TotalSeconds <= options.RetrySameDeploymentWithinSeconds ? wait : (TimeSpan?)null);
                },
            })
            .Build();
    }
}
