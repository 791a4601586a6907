namespace LlmRouter.Protocols;

/// <summary>The API a client speaks to the gateway; it decides the request parser, the response shape and the error shape.</summary>
internal enum ClientProtocol
{
    /// <summary>OpenAI Chat Completions (<c>POST /v1/chat/completions</c>).</summary>
    OpenAI,

    /// <summary>Anthropic Messages (<c>POST /v1/messages</c>, <c>/v1/messages/count_tokens</c>).</summary>
    Anthropic,
}
