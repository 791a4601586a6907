using LlmRouter.Providers;

namespace LlmRouter.Proxy.Attempts;

/// <summary>The attempt loop's next step after one attempt.</summary>
/// <param name="Action">Done, retry or answer.</param>
/// <param name="Error">With <see cref="AttemptAction.Answer"/>: the error the client gets.</param>
/// <param name="Delay">With <see cref="AttemptAction.Retry"/>: how long to wait first.</param>
/// <param name="SameDeployment">With <see cref="AttemptAction.Retry"/>: wait out a short Retry-After and go back to the same deployment.</param>
internal readonly record struct AttemptDecision(AttemptAction Action, UpstreamError? Error = null, TimeSpan Delay = default, bool SameDeployment = false)
{
    public static AttemptDecision Done => default;

    public static AttemptDecision Answer(UpstreamError error) => new(AttemptAction.Answer, error);

    public static AttemptDecision Retry(TimeSpan delay, bool sameDeployment = false) => new(AttemptAction.Retry, Delay: delay, SameDeployment: sameDeployment);
}
