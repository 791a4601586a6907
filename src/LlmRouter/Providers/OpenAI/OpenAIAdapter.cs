using System.Net.Http.Headers;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Providers.OpenAI;

/// <summary>
/// OpenAI upstreams (and OpenAI-compatible servers): the client's request and the upstream's response pass
/// through nearly untouched; the adapter swaps the model, makes streams report usage, and reads accounting facts.
/// </summary>
internal sealed class OpenAIAdapter : IProviderAdapter
{
    private readonly TimeProvider _time;

    public OpenAIAdapter()
        : this(TimeProvider.System)
    {
    }

    public OpenAIAdapter(TimeProvider time)
    {
        _time = time;
    }

    public ProviderKind Kind => ProviderKind.OpenAI;

    public UpstreamRequest CreateRequest(ChatRequest request, Deployment deployment)
        => OpenAIRequestWriter.Create(request, deployment);

    public void ApplyHeaders(HttpRequestHeaders headers, string? apiKey)
    {
        if (apiKey is not null)
        {
            headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    public TranslatedResponse TranslateResponse(ReadOnlyMemory<byte> body, ChatRequest request, Deployment deployment)
        => OpenAIResponseReader.Read(body);

    public IStreamTranslator CreateStreamTranslator(ChatRequest request, Deployment deployment)
        => new OpenAIStreamTranslator(request.IncludeUsage, request.N);

    public UpstreamError TranslateError(int statusCode, HttpResponseHeaders headers, ReadOnlySpan<byte> body)
        => OpenAIErrorTranslator.Translate(statusCode, body, OpenAIRetryAfter.Read(headers, _time.GetUtcNow()));

    public void TranslateResponseHeaders(HttpResponseHeaders upstream, IHeaderDictionary client)
    {
        // OpenAI's rate-limit and request-id headers already carry the names OpenAI clients read; YARP copies them.
    }
}
