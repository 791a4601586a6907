using System.Diagnostics;
using LlmRouter.Configuration;
using LlmRouter.Providers;

namespace LlmRouter.Proxy.Attempts;

/// <summary>
/// One request's attempts as the attempt loop keeps them: written by the loop alone, read by accounting and the
/// request log once the response is done.
/// </summary>
internal sealed class RequestAttempts
{
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private HashSet<string>? _failed;

    public RequestAttempts(DateTimeOffset deadline)
    {
        Deadline = deadline;
    }

    /// <summary>When the route's total timeout expires.</summary>
    public DateTimeOffset Deadline { get; }

    /// <summary>Attempts sent upstream so far.</summary>
    public int Sent { get; private set; }

    /// <summary>Index of the next fallback deployment to try once members are exhausted.</summary>
    public int NextFallback { get; set; }

    /// <summary>The deployment of the last attempt sent (the one that answered, when the request succeeded).</summary>
    public Deployment? Deployment { get; private set; }

    /// <summary>A deployment the loop waits for after a short Retry-After: the next pick is pinned to it.</summary>
    public string? PinnedDeployment { get; private set; }

    /// <summary>The last upstream failure: the answer if no later attempt succeeds.</summary>
    public AttemptResult? LastFailure { get; private set; }

    public UpstreamError? LastError => LastFailure?.Error;

    /// <summary>Usage reported by the attempt that answered.</summary>
    public TokenUsage? Usage { get; private set; }

    /// <summary>Time spent waiting on upstreams across attempts (the rest is gateway overhead).</summary>
    public TimeSpan UpstreamDuration { get; private set; }

    /// <summary>Deployments that failed an attempt; not picked again for this request.</summary>
    public IReadOnlySet<string>? Failed => _failed;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_startTimestamp);

    /// <summary>Whether a later attempt answered after an earlier one failed.</summary>
    public bool FellBack { get; private set; }

    /// <summary>Folds a finished attempt and the loop's decision about it into the request's state.</summary>
    public void Record(UpstreamAttempt attempt, in AttemptResult result, in AttemptDecision decision)
    {
        if (attempt.Started)
        {
            Sent++;
            Deployment = attempt.Deployment;
            UpstreamDuration += attempt.Elapsed;
        }

        Usage = result.Usage ?? Usage;
        if (result.Kind == AttemptResultKind.Succeeded)
        {
            FellBack = LastFailure is not null;
        }
        else if ((result.Kind == AttemptResultKind.UpstreamFailed && !result.Committed) || (result.Kind == AttemptResultKind.NotSent && result.Error?.RetryAfter is not null))
        {
            // A deployment at its quota (not sent, with a reset) answers like a 429 if nothing else can take the request.
            LastFailure = result;
        }

        PinnedDeployment = decision.SameDeployment ? attempt.PickedDeploymentId : null;
        if (decision.Action == AttemptAction.Retry && !decision.SameDeployment && attempt.PickedDeploymentId is { } failed)
        {
            Exclude(failed);
        }
    }

    /// <summary>Rules a destination out for the rest of the request without an attempt (e.g. a reload removed it).</summary>
    public void Exclude(string deploymentId) => (_failed ??= new HashSet<string>(StringComparer.Ordinal)).Add(deploymentId);
}
