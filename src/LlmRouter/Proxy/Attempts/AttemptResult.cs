using LlmRouter.Providers;
using LlmRouter.Resilience;

namespace LlmRouter.Proxy.Attempts;

/// <summary>
/// What one upstream attempt produced — the single value the forwarding, translation and streaming code report
/// and the attempt loop decides on. Accounting records it; the circuit breaker reads its <see cref="Verdict"/>.
/// </summary>
/// <param name="Kind">Who is responsible for how it ended.</param>
/// <param name="StatusCode">The upstream status; 0 when no response arrived.</param>
/// <param name="Error">The translated failure, for every kind but <see cref="AttemptResultKind.Succeeded"/>.</param>
/// <param name="Committed">Bytes of this attempt reached the client (it passed its first token): it cannot be retried.</param>
/// <param name="Usage">Usage the upstream reported.</param>
/// <param name="TimeToFirstToken">For streams, the time from sending the request to the first content-bearing event.</param>
/// <param name="ResponseModel">The model the upstream said served the request.</param>
/// <param name="ErrorHeaders">Rate-limit and request-id headers of a failure, sent along if it becomes the answer.</param>
internal readonly record struct AttemptResult(
    AttemptResultKind Kind,
    int StatusCode = 0,
    UpstreamError? Error = null,
    bool Committed = false,
    TokenUsage? Usage = null,
    TimeSpan? TimeToFirstToken = null,
    string? ResponseModel = null,
    IReadOnlyList<KeyValuePair<string, string>>? ErrorHeaders = null)
{
    /// <summary>What the attempt says about the deployment's health: only upstream failures count against it.</summary>
    public AttemptVerdict Verdict => Kind switch
    {
        AttemptResultKind.Succeeded => AttemptVerdict.Success,
        AttemptResultKind.UpstreamFailed => AttemptVerdict.Failure,
        _ => AttemptVerdict.ClientError,
    };

    /// <summary>A failure after the first token: the client got an error event and no <c>[DONE]</c>.</summary>
    public bool FailedMidStream => Committed && Kind == AttemptResultKind.UpstreamFailed;

    public static AttemptResult Upstream(int statusCode, UpstreamError error, IReadOnlyList<KeyValuePair<string, string>>? errorHeaders = null)
        => new(error.IsClientFault ? AttemptResultKind.ClientFault : AttemptResultKind.UpstreamFailed, statusCode, error, ErrorHeaders: errorHeaders);

    public static AttemptResult Failed(UpstreamError error, int statusCode = 0) => new(AttemptResultKind.UpstreamFailed, statusCode, error);

    public static AttemptResult NotSent(UpstreamError error) => new(AttemptResultKind.NotSent, Error: error);

    public static AttemptResult Aborted(int statusCode = 0, bool committed = false, TokenUsage? usage = null)
        => new(AttemptResultKind.ClientAborted, statusCode, Committed: committed, Usage: usage);
}
