namespace LlmRouter.Proxy.Attempts;

/// <summary>How one upstream attempt ended, from the point of view of who is responsible for it.</summary>
internal enum AttemptResultKind
{
    /// <summary>The deployment answered: a complete response went (or is going) to the client.</summary>
    Succeeded,

    /// <summary>The deployment failed: connection, timeout, 5xx/429/529, an error or a cut before or after the first token.</summary>
    UpstreamFailed,

    /// <summary>The deployment refused the request as the client's mistake (400, 404, 413, context length): answered as is.</summary>
    ClientFault,

    /// <summary>Nothing was sent: this deployment cannot take this request (a parameter its provider cannot honour, a busy probe).</summary>
    NotSent,

    /// <summary>The client went away: the attempt says nothing about the deployment.</summary>
    ClientAborted,
}
