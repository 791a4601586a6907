using System.Net.Http.Headers;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols.OpenAI;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Providers.Gemini;

/// <summary>
/// Google Gemini native API (<c>generateContent</c> / <c>streamGenerateContent?alt=sse</c>). Singleton; the only
/// state it holds is the process-wide <see cref="ThoughtSignatureStore"/>.
/// </summary>
internal sealed class GeminiAdapter : IProviderAdapter
{
    private const string ApiKeyHeader = "x-goog-api-key";

    private readonly ThoughtSignatureStore _signatures;
    private readonly TimeProvider _time;

    public GeminiAdapter(ThoughtSignatureStore signatures, TimeProvider? time = null)
    {
        _signatures = signatures;
        _time = time ?? TimeProvider.System;
    }

    public ProviderKind Kind => ProviderKind.Gemini;

    public UpstreamRequest CreateRequest(ChatRequest request, Deployment deployment)
    {
        var body = GeminiRequestTranslator.Translate(request, deployment, _signatures);
        return new UpstreamRequest(PathFor(deployment.UpstreamModel, request.Stream), body);
    }

    /// <summary>The key goes in a header, never in <c>?key=</c>, where it would end up in access logs.</summary>
    public void ApplyHeaders(HttpRequestHeaders headers, string? apiKey)
    {
        if (apiKey is null)
        {
            return;
        }

        headers.Remove(ApiKeyHeader);
        headers.TryAddWithoutValidation(ApiKeyHeader, apiKey);
    }

    public TranslatedResponse TranslateResponse(ReadOnlyMemory<byte> body, ChatRequest request, Deployment deployment)
        => GeminiResponseTranslator.Translate(body.Span, deployment, _signatures, OpenAIIds.Now(_time));

    public IStreamTranslator CreateStreamTranslator(ChatRequest request, Deployment deployment)
    {
        // Gemini's responseId only arrives with the first event, after the chunk id must be fixed, so the id is ours.
        var chunks = new ChatChunkWriter(OpenAIIds.NewCompletionId(), OpenAIIds.Now(_time), deployment.UpstreamModel, request.IncludeUsage);
        return new GeminiStreamTranslator(chunks, _signatures);
    }

    public UpstreamError TranslateError(int statusCode, HttpResponseHeaders headers, ReadOnlySpan<byte> body)
        => GeminiErrorTranslator.Translate(statusCode, headers, body);

    /// <summary>
    /// Gemini sends no rate-limit headers and no request id header: its quota state only appears in 429 bodies
    /// (RetryInfo, QuotaFailure), which <see cref="TranslateError"/> reads. There is nothing to map here.
    /// </summary>
    public void TranslateResponseHeaders(HttpResponseHeaders upstream, IHeaderDictionary client)
    {
    }

    internal static string PathFor(string upstreamModel, bool stream)
    {
        // Accept model ids configured either bare or as Gemini resource names ("models/gemini-2.5-flash").
        var model = upstreamModel.StartsWith("models/", StringComparison.Ordinal) ? upstreamModel["models/".Length..] : upstreamModel;
        return stream
            ? $"/v1beta/models/{model}:streamGenerateContent?alt=sse"
            : $"/v1beta/models/{model}:generateContent";
    }
}
