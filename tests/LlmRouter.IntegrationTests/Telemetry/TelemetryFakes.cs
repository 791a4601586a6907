using System.Net.Http.Headers;
using System.Text;
using LlmRouter.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using WireMock.Server;

namespace LlmRouter.IntegrationTests.Telemetry;

/// <summary>Upstream stubs with known usage and helpers shared by the telemetry tests.</summary>
internal static class TelemetryFakes
{
    public const int OpenAIPromptTokens = 12;
    public const int OpenAICompletionTokens = 5;
    public const int OpenAICachedTokens = 4;

    // ProviderFakes.AnthropicTextStream reports these.
    public const int AnthropicStreamInputTokens = 25;
    public const int AnthropicStreamOutputTokens = 7;

    public const string CompletionText = "COMPLETION-MARKER-violet-harbor";

    public static readonly string OpenAICompletion = $$"""
        {"id":"chatcmpl-t1","object":"chat.completion","created":1726012687,"model":"gpt-4o-2024-08-06",
         "choices":[{"index":0,"message":{"role":"assistant","content":"{{CompletionText}}","refusal":null},"logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":{{OpenAIPromptTokens}},"completion_tokens":{{OpenAICompletionTokens}},"total_tokens":{{OpenAIPromptTokens + OpenAICompletionTokens}},
                  "prompt_tokens_details":{"cached_tokens":{{OpenAICachedTokens}} } } }
        """;

    public static void StubOpenAI(WireMockServer server, int status = 200, string? body = null)
        => ProviderFakes.StubOpenAI(server, body ?? OpenAICompletion, status: status);

    public static void StubOpenAIError(WireMockServer server, int status, string type, string code)
        => StubOpenAI(server, status, $$"""{"error":{"message":"Upstream says no","type":"{{type}}","param":null,"code":"{{code}}"} }""");

    /// <summary>Scrapes are not cached, so every scrape sees the latest values.</summary>
    public static void UncachedScrapes(IServiceCollection services)
        => services.Configure<PrometheusAspNetCoreOptions>(o => o.ScrapeResponseCacheDurationMilliseconds = 0);

    public static HttpRequestMessage ChatRequest(string model, string prompt, bool stream = false, string? clientKey = null)
    {
        var json = $$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"{{prompt}}"}]}""";
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (clientKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", clientKey);
        }

        return request;
    }

    /// <summary>Sends a request and reads the whole body (streams included), so accounting has run or is about to.</summary>
    public static async Task<(int Status, string Body)> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>Polls until <paramref name="ready"/> holds: request metrics are recorded when the response completes, just after the client has it.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> ready, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var value = await read();
            if (ready(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(50);
        }
    }

    public static GatewayApp Gateway(TestCatalog catalog, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
        => new(catalog, settings, s =>
        {
            UncachedScrapes(s);
            services?.Invoke(s);
        });
}
