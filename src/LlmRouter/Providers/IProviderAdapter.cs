using System.Net.Http.Headers;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Providers;

/// <summary>
/// Everything that differs between providers: path and auth, request, response, stream and error translation,
/// usage and rate-limit headers. One singleton per <see cref="ProviderKind"/>; stateless.
/// </summary>
internal interface IProviderAdapter
{
    ProviderKind Kind { get; }

    /// <summary>
    /// Builds the upstream request. Throws <see cref="InvalidRequestException"/> for a request this provider cannot
    /// honour (e.g. <c>n</c> &gt; 1 on Anthropic) so the client gets a 400 naming the parameter, never a silent drop.
    /// </summary>
    UpstreamRequest CreateRequest(ChatRequest request, Deployment deployment);

    /// <summary>Sets the provider's auth headers (and version headers) on the outgoing request.</summary>
    void ApplyHeaders(HttpRequestHeaders headers, string? apiKey);

    /// <summary>Translates a successful non-streaming body. A pass-through adapter may return <paramref name="body"/> itself.</summary>
    TranslatedResponse TranslateResponse(ReadOnlyMemory<byte> body, ChatRequest request, Deployment deployment);

    /// <summary>Creates a translator for a successful streaming response.</summary>
    IStreamTranslator CreateStreamTranslator(ChatRequest request, Deployment deployment);

    /// <summary>Translates a non-success status and body (and Retry-After from headers or body).</summary>
    UpstreamError TranslateError(int statusCode, HttpResponseHeaders headers, ReadOnlySpan<byte> body);

    /// <summary>Adds OpenAI-named rate-limit and request-id headers derived from the upstream's own.</summary>
    void TranslateResponseHeaders(HttpResponseHeaders upstream, IHeaderDictionary client);
}
