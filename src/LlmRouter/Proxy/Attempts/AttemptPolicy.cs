using LlmRouter.Configuration;

namespace LlmRouter.Proxy.Attempts;

/// <summary>
/// The pure decision of the attempt loop: given what an attempt produced and where the request stands, retry
/// (here or elsewhere), answer, or stop. No I/O, no clock: the loop passes the remaining time and a jitter sample.
/// </summary>
internal static class AttemptPolicy
{
    /// <param name="result">What the attempt produced.</param>
    /// <param name="attemptsSent">Attempts sent upstream so far, this one included.</param>
    /// <param name="earlierFailure">An upstream failure of an earlier attempt of this request, if any.</param>
    /// <param name="options">The route's resilience settings.</param>
    /// <param name="remaining">Time left before the route's total timeout.</param>
    /// <param name="jitter">A uniform sample in [0, 1) that spreads backoff delays.</param>
    public static AttemptDecision Decide(in AttemptResult result, int attemptsSent, Providers.UpstreamError? earlierFailure, ResilienceOptions options,
        TimeSpan remaining, double jitter)
    {
        if (result.Committed)
        {
            return AttemptDecision.Done;
        }

        switch (result.Kind)
        {
            case AttemptResultKind.Succeeded:
            case AttemptResultKind.ClientAborted:
                return AttemptDecision.Done;

            case AttemptResultKind.ClientFault:
                return AttemptDecision.Answer(result.Error!);

            case AttemptResultKind.NotSent:
                // The first pick cannot take the request: the client asked for something it cannot do. After an
                // upstream failure the refusal only rules this deployment out, and the earlier failure stays the answer.
                if (earlierFailure is null && result.Error!.IsClientFault)
                {
                    return AttemptDecision.Answer(result.Error);
                }

                return remaining > TimeSpan.Zero ? AttemptDecision.Retry(TimeSpan.Zero) : AttemptDecision.Answer(earlierFailure ?? result.Error!);
        }

        var error = result.Error!;
        if (!error.IsRetryable || attemptsSent >= options.MaxAttempts || remaining <= TimeSpan.Zero)
        {
            return AttemptDecision.Answer(error);
        }

        if (error.RetryAfter is { } retryAfter && retryAfter.TotalSeconds <= options.RetrySameDeploymentWithinSeconds)
        {
            return retryAfter < remaining ? AttemptDecision.Retry(retryAfter, sameDeployment: true) : AttemptDecision.Answer(error);
        }

        var delay = Backoff(options, attemptsSent, jitter);
        return delay < remaining ? AttemptDecision.Retry(delay) : AttemptDecision.Answer(error);
    }

    /// <summary>Exponential backoff with jitter: base × 2^(n-1) × [0.5, 1.5), at most the larger of 1 s and the same-deployment window.</summary>
    public static TimeSpan Backoff(ResilienceOptions options, int attemptsSent, double jitter)
    {
        if (options.BackoffMilliseconds <= 0)
        {
            return TimeSpan.Zero;
        }

        var exponent = Math.Min(Math.Max(attemptsSent - 1, 0), 16);
        var ms = options.BackoffMilliseconds * Math.Pow(2, exponent) * (0.5 + jitter);
        var maxMs = Math.Max(1, options.RetrySameDeploymentWithinSeconds) * 1000;
        return TimeSpan.FromMilliseconds(Math.Min(ms, maxMs));
    }
}
