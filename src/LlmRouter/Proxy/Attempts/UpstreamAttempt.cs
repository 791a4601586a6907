using System.Diagnostics;
using LlmRouter.Configuration;
using LlmRouter.Providers;

namespace LlmRouter.Proxy.Attempts;

/// <summary>
/// One attempt at one deployment. The attempt loop creates it with the first-token timer; the forward stage starts
/// it once the policy picked a deployment; the response transform, the translating stream or the forward stage
/// report its one <see cref="AttemptResult"/>. Nobody but the loop decides what happens next.
/// </summary>
internal sealed class UpstreamAttempt : IDisposable
{
    private readonly CancellationTokenSource _firstToken;
    private readonly ITimer? _fakeClockTimer;
    private AttemptResult? _result;

    /// <param name="number">1-based number of this attempt among those sent upstream.</param>
    /// <param name="firstTokenTimeout">Limit on the time to the first token (streams) or the complete body.</param>
    /// <param name="time">The clock of the timer.</param>
    /// <param name="clientAborted">The client's own cancellation.</param>
    public UpstreamAttempt(int number, TimeSpan firstTokenTimeout, TimeProvider time, CancellationToken clientAborted)
    {
        Number = number;
        ClientAborted = clientAborted;
        _firstToken = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
        if (time == TimeProvider.System)
        {
            _firstToken.CancelAfter(firstTokenTimeout);
        }
        else
        {
            // Tests run the timers on a fake clock.
            _fakeClockTimer = time.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), _firstToken, firstTokenTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    public int Number { get; }

    /// <summary>Cancelled when the client leaves or, until the first token, when the first-token limit passes.</summary>
    public CancellationToken Token => _firstToken.Token;

    public CancellationToken ClientAborted { get; }

    /// <summary>The first-token limit passed (and the client is still there).</summary>
    public bool FirstTokenTimedOut => _firstToken.IsCancellationRequested && !ClientAborted.IsCancellationRequested;

    /// <summary>The deployment the routing policy picked, once it picked (set even when nothing could be sent to it).</summary>
    public string? PickedDeploymentId { get; private set; }

    public Deployment? Deployment { get; private set; }

    public IProviderAdapter? Adapter { get; private set; }

    /// <summary>The provider path of the translated request.</summary>
    public string PathAndQuery { get; private set; } = "/";

    /// <summary>When the request was handed to the forwarder.</summary>
    public long StartTimestamp { get; private set; }

    public bool Started => Deployment is not null;

    public TimeSpan Elapsed => StartTimestamp == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(StartTimestamp);

    /// <summary>The attempt's result once reported; the first report wins.</summary>
    public AttemptResult? Result => _result;

    /// <summary>The routing policy picked this deployment.</summary>
    public void Pick(string deploymentId) => PickedDeploymentId = deploymentId;

    /// <summary>The forward stage picked and translated: from here on the attempt is sent to this deployment.</summary>
    public void Start(Deployment deployment, IProviderAdapter adapter, string pathAndQuery)
    {
        PickedDeploymentId = deployment.Id;
        Deployment = deployment;
        Adapter = adapter;
        PathAndQuery = pathAndQuery;
        StartTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>The first token is in: from now on the stream enforces its own idle and total limits.</summary>
    public void DisarmFirstTokenTimer()
    {
        _firstToken.CancelAfter(Timeout.InfiniteTimeSpan);
        _fakeClockTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Reports how the attempt ended. Later reports (e.g. a stream disposed after a failure was reported) are ignored.</summary>
    public void Report(in AttemptResult result) => _result ??= result;

    public void Dispose()
    {
        _fakeClockTimer?.Dispose();
        _firstToken.Dispose();
    }
}
