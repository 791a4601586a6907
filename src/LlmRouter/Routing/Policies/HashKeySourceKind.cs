namespace LlmRouter.Routing.Policies;

/// <summary>Where the consistent-hash policy takes its key from.</summary>
internal enum HashKeySourceKind
{
    /// <summary>A request header (<c>header:NAME</c>).</summary>
    Header,

    /// <summary>The request's <c>user</c> field.</summary>
    User,

    /// <summary>System prompt + first user message: keeps a conversation on one deployment and its prompt cache warm.</summary>
    PromptPrefix,
}
