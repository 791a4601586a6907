using LlmRouter.Configuration;
using LlmRouter.Providers;
using LlmRouter.Resilience;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Resilience;

public sealed class RetryPipelinesTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)]
    public async Task Retry_AlwaysRetryable_StopsAtMaxAttempts(int maxAttempts)
    {
        var pipeline = new RetryPipelines(_time).For(Route(new ResilienceOptions { MaxAttempts = maxAttempts, BackoffMilliseconds = 0 }));
        var calls = 0;

        var outcome = await pipeline.ExecuteAsync(_ =>
        {
            calls++;
            return ValueTask.FromResult(new AttemptOutcome(true, ServerError));
        });

        Assert.Equal(maxAttempts, calls);
        Assert.True(outcome.Retry);
    }

    [Fact]
    public async Task Retry_DoneOutcome_NotRetried()
    {
        var pipeline = new RetryPipelines(_time).For(Route(new ResilienceOptions { MaxAttempts = 3, BackoffMilliseconds = 0 }));
        var calls = 0;

        await pipeline.ExecuteAsync(_ =>
        {
            calls++;
            return ValueTask.FromResult(AttemptOutcome.Done);
        });

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Delay_RetryAfterWithinRouteLimit_WaitsExactlyRetryAfter()
    {
        var pipeline = new RetryPipelines(_time).For(Route(new ResilienceOptions { MaxAttempts = 2, BackoffMilliseconds = 10, RetrySameDeploymentWithinSeconds = 5 }));
        var (calls, run) = Run(pipeline, new UpstreamError(429, "slow down", "rate_limit_error", RetryAfter: TimeSpan.FromSeconds(3)));

        await WaitForAsync(() => Volatile.Read(ref calls[0]) == 1);
        _time.Advance(TimeSpan.FromSeconds(2.9));
        await Task.Delay(50);
        Assert.Equal(1, Volatile.Read(ref calls[0]));

        _time.Advance(TimeSpan.FromSeconds(0.1));
        await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, Volatile.Read(ref calls[0]));
    }

    [Fact]
    public async Task Delay_RetryAfterBeyondRouteLimit_UsesShortBackoffInstead()
    {
        var pipeline = new RetryPipelines(_time).For(Route(new ResilienceOptions { MaxAttempts = 2, BackoffMilliseconds = 50, RetrySameDeploymentWithinSeconds = 0 }));
        var (calls, run) = Run(pipeline, new UpstreamError(429, "slow down", "rate_limit_error", RetryAfter: TimeSpan.FromSeconds(30)));

        await WaitForAsync(() => Volatile.Read(ref calls[0]) == 1);

        // Exponential backoff with jitter from a 50 ms base, capped at one second: far below the 30 s Retry-After.
        _time.Advance(TimeSpan.FromSeconds(1));
        await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, Volatile.Read(ref calls[0]));
    }

    private static readonly UpstreamError ServerError = new(500, "boom", "server_error");

    private static (int[] Calls, Task Run) Run(Polly.ResiliencePipeline<AttemptOutcome> pipeline, UpstreamError firstError)
    {
        var calls = new int[1];
        var run = pipeline.ExecuteAsync(_ =>
        {
            var call = Interlocked.Increment(ref calls[0]);
            return ValueTask.FromResult(call == 1 ? new AttemptOutcome(true, firstError) : AttemptOutcome.Done);
        }).AsTask();
        return (calls, run);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    private static RouteDefinition Route(ResilienceOptions resilience)
        => new("route", new RouteOptions { Resilience = resilience }, "LlmRouter.RoundRobin", [], [], isImplicit: false);
}
