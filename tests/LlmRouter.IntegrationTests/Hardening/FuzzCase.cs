namespace LlmRouter.IntegrationTests.Hardening;

/// <summary>One generated request: a label for the report, and how to send it.</summary>
/// <param name="Name">What the case exercises, printed when an invariant fails.</param>
/// <param name="Send">Sends the request and returns what came back.</param>
/// <param name="KestrelMayAnswer">The request is malformed at the HTTP level: Kestrel answers it before any middleware (no JSON body possible).</param>
/// <param name="Anthropic">Sent to <c>/v1/messages</c>: errors are Anthropic-shaped.</param>
public sealed record FuzzCase(string Name, Func<Task<RawResponse>> Send, bool KestrelMayAnswer = false, bool Anthropic = false);
