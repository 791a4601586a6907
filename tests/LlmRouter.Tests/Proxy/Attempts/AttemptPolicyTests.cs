using LlmRouter.Configuration;
using LlmRouter.Providers;
using LlmRouter.Proxy.Attempts;

namespace LlmRouter.Tests.Proxy.Attempts;

public sealed class AttemptPolicyTests
{
    private static readonly ResilienceOptions Options = new() { MaxAttempts = 3, BackoffMilliseconds = 50, RetrySameDeploymentWithinSeconds = 2 };
    private static readonly TimeSpan Plenty = TimeSpan.FromMinutes(1);
    private static readonly UpstreamError Overloaded = new(503, "overloaded", "server_error", "overloaded");

    [Fact]
    public void Decide_Succeeded_IsDone()
        => Assert.Equal(AttemptAction.Done, Decide(new AttemptResult(AttemptResultKind.Succeeded, 200, Committed: true)).Action);

    [Fact]
    public void Decide_ClientAborted_IsDone()
        => Assert.Equal(AttemptAction.Done, Decide(AttemptResult.Aborted()).Action);

    [Fact]
    public void Decide_FailureAfterTheFirstToken_IsDoneBecauseTheClientHasTheStream()
        => Assert.Equal(AttemptAction.Done, Decide(new AttemptResult(AttemptResultKind.UpstreamFailed, 200, Overloaded, Committed: true)).Action);

    [Fact]
    public void Decide_RetryableFailureBeforeTheFirstToken_RetriesElsewhereWithBackoff()
    {
        var decision = Decide(AttemptResult.Failed(Overloaded, 200));

        Assert.Equal(AttemptAction.Retry, decision.Action);
        Assert.False(decision.SameDeployment);
        Assert.InRange(decision.Delay, TimeSpan.FromMilliseconds(25), TimeSpan.FromMilliseconds(75));
    }

    [Fact]
    public void Decide_LastAllowedAttempt_AnswersWithTheFailure()
    {
        var decision = AttemptPolicy.Decide(AttemptResult.Failed(Overloaded), attemptsSent: 3, earlierFailure: null, Options, Plenty, 0.5);

        Assert.Equal(AttemptAction.Answer, decision.Action);
        Assert.Same(Overloaded, decision.Error);
    }

    [Fact]
    public void Decide_NonRetryableUpstreamFailure_Answers()
    {
        var notImplemented = new UpstreamError(501, "no", "server_error");
        Assert.Equal(AttemptAction.Retry, Decide(AttemptResult.Failed(notImplemented)).Action);

        var quota = new UpstreamError(429, "quota", "insufficient_quota");
        Assert.Equal(AttemptAction.Answer, Decide(AttemptResult.Failed(quota)).Action);
    }

    [Fact]
    public void Decide_ClientFaultFromUpstream_AnswersWithoutRetrying()
    {
        var contextLength = new UpstreamError(400, "too long", "invalid_request_error", "context_length_exceeded");

        var decision = Decide(AttemptResult.Upstream(400, contextLength));

        Assert.Equal(AttemptAction.Answer, decision.Action);
        Assert.Same(contextLength, decision.Error);
    }

    [Fact]
    public void Decide_ShortRetryAfter_WaitsForTheSameDeployment()
    {
        var limited = new UpstreamError(429, "slow down", "rate_limit_error", "rate_limit_exceeded", TimeSpan.FromSeconds(1));

        var decision = Decide(AttemptResult.Failed(limited));

        Assert.Equal(AttemptAction.Retry, decision.Action);
        Assert.True(decision.SameDeployment);
        Assert.Equal(TimeSpan.FromSeconds(1), decision.Delay);
    }

    [Fact]
    public void Decide_LongRetryAfter_FailsOverInsteadOfWaiting()
    {
        var limited = new UpstreamError(429, "slow down", "rate_limit_error", "rate_limit_exceeded", TimeSpan.FromSeconds(30));

        var decision = Decide(AttemptResult.Failed(limited));

        Assert.Equal(AttemptAction.Retry, decision.Action);
        Assert.False(decision.SameDeployment);
    }

    [Fact]
    public void Decide_NoTimeLeftForTheBackoff_Answers()
    {
        var decision = AttemptPolicy.Decide(AttemptResult.Failed(Overloaded), 1, null, Options, TimeSpan.FromMilliseconds(1), 0.5);

        Assert.Equal(AttemptAction.Answer, decision.Action);
    }

    [Fact]
    public void Decide_FirstPickCannotTakeTheRequest_AnswersTheClientsError()
    {
        var refused = new UpstreamError(400, "n > 1 is not supported", "invalid_request_error") { Param = "n" };

        var decision = AttemptPolicy.Decide(AttemptResult.NotSent(refused), 0, null, Options, Plenty, 0.5);

        Assert.Equal(AttemptAction.Answer, decision.Action);
        Assert.Same(refused, decision.Error);
    }

    [Fact]
    public void Decide_RetryCannotTakeTheRequest_TriesElsewhereAndKeepsTheEarlierFailure()
    {
        var refused = new UpstreamError(400, "n > 1 is not supported", "invalid_request_error") { Param = "n" };

        var decision = AttemptPolicy.Decide(AttemptResult.NotSent(refused), 1, Overloaded, Options, Plenty, 0.5);

        Assert.Equal(AttemptAction.Retry, decision.Action);
        Assert.Equal(TimeSpan.Zero, decision.Delay);
    }

    [Fact]
    public void Decide_BusyProbe_TriesElsewhere()
    {
        var probing = new UpstreamError(503, "probing", "server_error", "circuit_open");

        Assert.Equal(AttemptAction.Retry, AttemptPolicy.Decide(AttemptResult.NotSent(probing), 0, null, Options, Plenty, 0.5).Action);
    }

    [Theory]
    [InlineData(1, 0.0, 25)]
    [InlineData(2, 0.0, 50)]
    [InlineData(3, 0.999, 299.8)]
    [InlineData(10, 0.5, 2000)]
    public void Backoff_GrowsExponentiallyWithJitterAndIsCapped(int attemptsSent, double jitter, double expectedMs)
        => Assert.Equal(expectedMs, AttemptPolicy.Backoff(Options, attemptsSent, jitter).TotalMilliseconds, 1);

    private static AttemptDecision Decide(AttemptResult result) => AttemptPolicy.Decide(result, 1, null, Options, Plenty, 0.5);
}
