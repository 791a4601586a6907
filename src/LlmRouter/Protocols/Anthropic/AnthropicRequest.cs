namespace LlmRouter.Protocols.Anthropic;

/// <summary>
/// An Anthropic Messages request as the client sent it, beside its translation into the gateway's internal
/// (OpenAI-shaped) chat request. Anthropic deployments get <see cref="Body"/> (only <c>model</c> replaced); the others
/// get the translation, unless the request uses something they cannot honour (<see cref="Untranslatable"/>).
/// </summary>
/// <param name="Body">The client's bytes, untouched.</param>
/// <param name="InternalBody">The same request as an OpenAI chat-completions body.</param>
/// <param name="Untranslatable">The first parameter only an Anthropic deployment can honour, or null.</param>
internal sealed record AnthropicRequest(ReadOnlyMemory<byte> Body, byte[] InternalBody, string? Untranslatable);
