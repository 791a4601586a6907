namespace LlmRouter.Proxy.Attempts;

/// <summary>What the attempt loop does after an attempt.</summary>
internal enum AttemptAction
{
    /// <summary>The response is with the client (or the client left): nothing more to do.</summary>
    Done,

    /// <summary>Pick again (after the delay) among the deployments that have not failed, then the fallbacks.</summary>
    Retry,

    /// <summary>Answer the client with the error.</summary>
    Answer,
}
