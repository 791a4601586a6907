namespace LlmRouter.Configuration;

/// <summary>The wire format an upstream deployment speaks.</summary>
public enum ProviderKind
{
    /// <summary>OpenAI Chat Completions (<c>/v1/chat/completions</c>).</summary>
    OpenAI,

    /// <summary>Anthropic Messages (<c>/v1/messages</c>).</summary>
    Anthropic,

    /// <summary>Google Gemini native <c>generateContent</c> / <c>streamGenerateContent</c>.</summary>
    Gemini,
}
