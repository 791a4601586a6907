using LlmRouter.Providers;
using LlmRouter.Proxy.Attempts;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Proxy.Attempts;

public sealed class UpstreamAttemptTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Token_FirstTokenLimitPasses_IsCancelledAsATimeout()
    {
        using var attempt = new UpstreamAttempt(1, TimeSpan.FromSeconds(2), _time, CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(3));

        Assert.True(attempt.Token.IsCancellationRequested);
        Assert.True(attempt.FirstTokenTimedOut);
    }

    [Fact]
    public void DisarmFirstTokenTimer_AfterTheFirstToken_TheLimitNoLongerApplies()
    {
        using var attempt = new UpstreamAttempt(1, TimeSpan.FromSeconds(2), _time, CancellationToken.None);

        attempt.DisarmFirstTokenTimer();
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.False(attempt.Token.IsCancellationRequested);
    }

    [Fact]
    public void Token_ClientLeaves_IsCancelledButNotATimeout()
    {
        using var client = new CancellationTokenSource();
        using var attempt = new UpstreamAttempt(1, TimeSpan.FromSeconds(2), _time, client.Token);

        client.Cancel();

        Assert.True(attempt.Token.IsCancellationRequested);
        Assert.False(attempt.FirstTokenTimedOut);
    }

    [Fact]
    public void Report_TheFirstReportWins()
    {
        using var attempt = new UpstreamAttempt(1, TimeSpan.FromSeconds(2), _time, CancellationToken.None);
        var failure = AttemptResult.Failed(new UpstreamError(503, "busy", "server_error"));

        attempt.Report(failure);
        attempt.Report(new AttemptResult(AttemptResultKind.Succeeded, 200, Committed: true));

        Assert.Equal(failure, attempt.Result);
    }
}
