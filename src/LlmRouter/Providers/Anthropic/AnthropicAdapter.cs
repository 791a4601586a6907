using System.Net.Http.Headers;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Providers.Anthropic;

/// <summary>The Anthropic Messages API (<c>POST /v1/messages</c>, <c>x-api-key</c>, <c>anthropic-version</c>).</summary>
internal sealed class AnthropicAdapter : IProviderAdapter
{
    public const string ApiVersion = "2023-06-01";

    private readonly TimeProvider _time;

    public AnthropicAdapter()
        : this(TimeProvider.System)
    {
    }

    internal AnthropicAdapter(TimeProvider time)
    {
        _time = time;
    }

    public ProviderKind Kind => ProviderKind.Anthropic;

    public UpstreamRequest CreateRequest(ChatRequest request, Deployment deployment)
        => new("/v1/messages", AnthropicRequestTranslator.Translate(request, deployment));

    public void ApplyHeaders(HttpRequestHeaders headers, string? apiKey)
    {
        if (apiKey is not null)
        {
            headers.Remove("x-api-key");
            headers.TryAddWithoutValidation("x-api-key", apiKey);
        }

        headers.Remove("anthropic-version");
        headers.TryAddWithoutValidation("anthropic-version", ApiVersion);
    }

    public TranslatedResponse TranslateResponse(ReadOnlyMemory<byte> body, ChatRequest request, Deployment deployment)
        => AnthropicResponseTranslator.Translate(body.Span, request, deployment, _time);

    public IStreamTranslator CreateStreamTranslator(ChatRequest request, Deployment deployment)
        => new AnthropicStreamTranslator(request, deployment, _time);

    public UpstreamError TranslateError(int statusCode, HttpResponseHeaders headers, ReadOnlySpan<byte> body)
        => AnthropicErrorTranslator.Translate(statusCode, headers, body, _time.GetUtcNow());

    public void TranslateResponseHeaders(HttpResponseHeaders upstream, IHeaderDictionary client)
        => AnthropicRateLimitHeaders.Translate(upstream, client, _time.GetUtcNow());
}
