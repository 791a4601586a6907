using System.Diagnostics;
using LlmRouter.Configuration;
using LlmRouter.Providers;

namespace LlmRouter.Proxy;

/// <summary>Per-request forwarding state: the current attempt's deployment and adapter, and what earlier attempts saw.</summary>
internal sealed class ForwardingState
{
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private HashSet<string>? _failed;

    public ForwardingState(int maxAttempts, DateTimeOffset deadline)
    {
        MaxAttempts = maxAttempts;
        Deadline = deadline;
    }

    public int MaxAttempts { get; }

    /// <summary>The client's own cancellation (the attempt token also fires for the time-to-first-token limit).</summary>
    public CancellationToken ClientAborted { get; init; }

    /// <summary>When the route's total timeout expires.</summary>
    public DateTimeOffset Deadline { get; }

    /// <summary>The current attempt's time-to-first-token timer; disarmed when response headers arrive.</summary>
    public CancellationTokenSource? AttemptTimeout { get; set; }

    /// <summary>Index of the next fallback deployment to try once members are exhausted.</summary>
    public int NextFallback { get; set; }

    /// <summary>Whether the last recorded attempt succeeded (streams: ended properly).</summary>
    public bool LastAttemptSucceeded { get; set; }

    /// <summary>Rate-limit and request-id headers of a held-back failure, restored if it becomes the answer.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> LastErrorHeaders { get; set; } = [];

    /// <summary>Attempts made so far (the current one included).</summary>
    public int Attempts { get; private set; }

    public Deployment? Deployment { get; private set; }

    public IProviderAdapter? Adapter { get; private set; }

    public string PathAndQuery { get; private set; } = "/";

    /// <summary>When the current attempt was sent.</summary>
    public long AttemptTimestamp { get; private set; }

    /// <summary>Deployments that failed an attempt; not picked again for this request.</summary>
    public IReadOnlySet<string>? Failed => _failed;

    /// <summary>Marks a deployment as failed for the rest of this request (the set is created on the first failure).</summary>
    public void MarkFailed(string deploymentId) => (_failed ??= new HashSet<string>(StringComparer.Ordinal)).Add(deploymentId);

    /// <summary>The last retryable upstream failure, answered to the client if no attempt succeeds.</summary>
    public UpstreamError? LastError { get; set; }

    /// <summary>True when the response transform held back a retryable failure's body for another attempt.</summary>
    public bool RetryRequested { get; set; }

    /// <summary>Usage reported by the attempt that answered.</summary>
    public TokenUsage? Usage { get; set; }

    /// <summary>Time spent waiting on upstreams across attempts (the rest is gateway overhead).</summary>
    public TimeSpan UpstreamDuration { get; set; }

    public bool MoreAttemptsAllowed => Attempts < MaxAttempts;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_startTimestamp);

    public void BeginAttempt(Deployment deployment, IProviderAdapter adapter, string pathAndQuery)
    {
        Attempts++;
        Deployment = deployment;
        Adapter = adapter;
        PathAndQuery = pathAndQuery;
        AttemptTimestamp = Stopwatch.GetTimestamp();
        RetryRequested = false;
    }
}
