using System.Net.Http.Headers;
using System.Text.Json;
using LlmRouter.Configuration;
using LlmRouter.Limits;
using LlmRouter.Providers;
using LlmRouter.Proxy;
using LlmRouter.Resilience;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace LlmRouter.Protocols.Anthropic;

/// <summary>
/// <c>POST /v1/messages/count_tokens</c>: when the model's route has an Anthropic deployment that may take requests,
/// the count comes from that upstream's own <c>count_tokens</c> (exact); otherwise from the gateway's tokenizer
/// (o200k, the one used for limits) over the translated request — exact for OpenAI models, an estimate for the rest.
/// </summary>
internal sealed class AnthropicCountTokensEndpoint
{
    /// <summary>The named HttpClient for upstream count_tokens calls.</summary>
    public const string HttpClientName = "llmrouter-count-tokens";

    private readonly CatalogProvider _catalog;
    private readonly TokenEstimator _tokens;
    private readonly IHttpClientFactory _clients;
    private readonly IConfiguration _configuration;
    private readonly ProviderAdapters _adapters;
    private readonly CandidateFilter _candidates;
    private readonly RequestBodyBudget _bodyBudget;

    public AnthropicCountTokensEndpoint(CatalogProvider catalog, TokenEstimator tokens, IHttpClientFactory clients, IConfiguration configuration,
        ProviderAdapters adapters, CandidateFilter candidates, RequestBodyBudget bodyBudget)
    {
        _bodyBudget = bodyBudget;
        _catalog = catalog;
        _tokens = tokens;
        _clients = clients;
        _configuration = configuration;
        _adapters = adapters;
        _candidates = candidates;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var routing = await ChatRequestIntake.ReadAsync(context, _catalog.Current, _bodyBudget, ClientProtocol.Anthropic, explain: false);
        if (routing is null)
        {
            return;
        }

        using (routing.Request)
        {
            context.Features.Set(routing);
            var anthropic = routing.Route.Members.FirstOrDefault(d => d.Provider == ProviderKind.Anthropic && !d.IsSimulated
                && _candidates.Exclusion(d.Id, null, null, out _) is null);
            if (anthropic is not null)
            {
                await ForwardAsync(context, routing.Anthropic!, anthropic);
                return;
            }

            await WriteCountAsync(context, _tokens.CountPrompt(routing.Request));
        }
    }

    private async Task ForwardAsync(HttpContext context, AnthropicRequest request, Deployment deployment)
    {
        using var upstream = new HttpRequestMessage(HttpMethod.Post, new Uri(deployment.BaseAddress, AnthropicPassThrough.CountTokensPath))
        {
            Content = new ByteArrayContent(AnthropicPassThrough.ReplaceModel(request.Body.Span, deployment.UpstreamModel)),
        };
        upstream.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        _adapters[deployment.Provider].ApplyHeaders(upstream.Headers, ChatRequestTransform.ResolveKey(_configuration, deployment));
        foreach (var name in (string[])["anthropic-version", "anthropic-beta"])
        {
            if (context.Request.Headers.TryGetValue(name, out var values))
            {
                upstream.Headers.Remove(name);
                upstream.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values!);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await _clients.CreateClient(HttpClientName).SendAsync(upstream, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left: nobody to answer.
            return;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            await GatewayError.WriteAsync(context, StatusCodes.Status502BadGateway, $"The deployment `{deployment.Id}` could not be reached.", "server_error");
            return;
        }

        using (response)
        {
            // Anthropic's own answer (a count or an Anthropic error) is already in the client's shape.
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = "application/json";
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    private static async Task WriteCountAsync(HttpContext context, int count)
    {
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body, JsonOutput.Options);
        json.WriteStartObject();
        json.WriteNumber("input_tokens"u8, count);
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
