using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols.Anthropic;
using LlmRouter.Providers;
using LlmRouter.Routing;

namespace LlmRouter.Protocols;

/// <summary>
/// Joins the client's protocol to the deployment's adapter, in one place: OpenAI clients get the adapter's OpenAI
/// output as is; Anthropic clients of an Anthropic deployment get a native pass-through; Anthropic clients of any other
/// deployment get the adapter's OpenAI output rewritten as Anthropic messages and events.
/// </summary>
internal static class ProtocolBridge
{
    /// <summary>The upstream request. Throws <see cref="InvalidRequestException"/> when this deployment cannot honour it.</summary>
    public static UpstreamRequest CreateRequest(IProviderAdapter adapter, ChatRoutingFeature routing, Deployment deployment)
    {
        if (routing.Anthropic is not { } anthropic)
        {
            return adapter.CreateRequest(routing.Request, deployment);
        }

        if (deployment.Provider == ProviderKind.Anthropic)
        {
            return AnthropicPassThrough.CreateRequest(anthropic, deployment);
        }

        if (anthropic.Untranslatable is { } param)
        {
            throw new InvalidRequestException(
                $"{param}: not supported by the {deployment.Provider} deployment `{deployment.Id}`; only Anthropic deployments accept it.", param);
        }

        return adapter.CreateRequest(routing.Request, deployment);
    }

    /// <summary>Whether the deployment's response goes to the client as the upstream wrote it.</summary>
    public static bool IsPassThrough(ChatRoutingFeature routing, Deployment deployment)
        => routing.Protocol == ClientProtocol.Anthropic && deployment.Provider == ProviderKind.Anthropic;

    /// <exception cref="System.Text.Json.JsonException">The upstream body is malformed.</exception>
    public static TranslatedResponse TranslateResponse(IProviderAdapter adapter, ReadOnlyMemory<byte> body, ChatRoutingFeature routing, Deployment deployment)
    {
        if (IsPassThrough(routing, deployment))
        {
            return AnthropicPassThrough.ReadResponse(body);
        }

        var translated = adapter.TranslateResponse(body, routing.Request, deployment);
        return routing.Protocol == ClientProtocol.Anthropic ? AnthropicMessageWriter.Write(translated, deployment.UpstreamModel) : translated;
    }

    public static IStreamTranslator CreateStreamTranslator(IProviderAdapter adapter, ChatRoutingFeature routing, Deployment deployment)
    {
        if (IsPassThrough(routing, deployment))
        {
            return new AnthropicPassThroughStreamTranslator();
        }

        var translator = adapter.CreateStreamTranslator(routing.Request, deployment);
        return routing.Protocol == ClientProtocol.Anthropic
            ? new AnthropicEventStreamTranslator(translator, deployment.UpstreamModel, EstimateInputTokens(routing.Request))
            : translator;
    }

    // Until the upstream reports usage: about four bytes of request JSON per token.
    private static int EstimateInputTokens(ChatRequest request) => Math.Max(1, request.Body.Length / 4);
}
