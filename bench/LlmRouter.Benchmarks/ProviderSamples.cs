using System.Net.Http.Headers;
using System.Text;
using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Providers;
using LlmRouter.Providers.Anthropic;
using LlmRouter.Providers.Gemini;
using LlmRouter.Providers.OpenAI;
using LlmRouter.Simulator;

namespace LlmRouter.Benchmarks;

/// <summary>
/// Realistic hot-path inputs: a 1–2 KB client request, and upstream responses and streams captured once from the
/// simulated providers (the same wire formats the gateway sees), so no fixture is hand-written and out of date.
/// </summary>
internal static class ProviderSamples
{
    /// <summary>A multi-turn support conversation with a tool declaration and a tool round trip (~1.6 KB).</summary>
    public const string RequestBody = """
        {"model":"bench","max_tokens":512,"temperature":0.2,"user":"bench-user-0001",
         "tools":[{"type":"function","function":{"name":"get_order_status","description":"Look up the shipping status of an order by its number.",
           "parameters":{"type":"object","properties":{"order_id":{"type":"string","description":"The order number"},"include_history":{"type":"boolean"}},"required":["order_id"]}}}],
         "messages":[
          {"role":"system","content":"You are a support assistant for an online store. Answer briefly and precisely, cite the order number when the user gives one, and never invent shipping dates."},
          {"role":"user","content":"Hi, I ordered a pair of running shoes last Tuesday (order 48213) and the tracking page still says the label was created but nothing has moved since. Is the parcel lost?"},
          {"role":"assistant","content":null,"tool_calls":[{"id":"call_7Qd2p","type":"function","function":{"name":"get_order_status","arguments":"{\"order_id\":\"48213\",\"include_history\":true}"}}]},
          {"role":"tool","tool_call_id":"call_7Qd2p","content":"{\"status\":\"label_created\",\"carrier\":\"DHL\",\"last_scan\":null,\"promised_by\":\"2026-11-29\"}"},
          {"role":"assistant","content":"Thanks for the order number. A label-created status that has not changed for several days usually means the carrier has not scanned the parcel yet; it is rarely lost at this stage."},
          {"role":"user","content":"OK, but I need them for a race on Saturday. Can you tell me whether I should cancel and buy locally, or whether it will arrive in time? Please keep it short."}]}
        """;

    /// <summary>The same conversation without tools, so the simulated replies are text (the common case).</summary>
    private const string TextRequestBody = """
        {"model":"bench","max_tokens":512,"messages":[
          {"role":"system","content":"You are a support assistant for an online store. Answer briefly and precisely."},
          {"role":"user","content":"I need my running shoes (order 48213) for a race on Saturday. Should I cancel and buy locally, or will they arrive in time? Please explain your reasoning in a few sentences so I can decide quickly."}]}
        """;

    private static readonly Lazy<Captured> Samples = new(Capture);

    public static Deployment OpenAIDeployment { get; } = Deployment("gpt-4", ProviderKind.OpenAI, "gpt-4o");

    public static Deployment AnthropicDeployment { get; } = Deployment("claude", ProviderKind.Anthropic, "claude-sonnet-4-5");

    public static Deployment GeminiDeployment { get; } = Deployment("gemini", ProviderKind.Gemini, "gemini-2.5-pro");

    public static byte[] RequestBytes { get; } = Encoding.UTF8.GetBytes(RequestBody);

    public static ChatRequest Parse(bool stream = false) => ChatRequestParser.Parse(stream ? WithStream(RequestBytes) : RequestBytes);

    public static ChatRequest ParseText(bool stream) => ChatRequestParser.Parse(stream ? WithStream(Encoding.UTF8.GetBytes(TextRequestBody)) : Encoding.UTF8.GetBytes(TextRequestBody));

    /// <summary>Non-streaming upstream bodies by provider.</summary>
    public static byte[] Response(ProviderKind kind) => Samples.Value.Responses[(int)kind];

    /// <summary>Streamed upstream bodies by provider, split into the SSE events as they arrive on the wire.</summary>
    public static byte[][] StreamEvents(ProviderKind kind) => Samples.Value.Streams[(int)kind];

    public static IProviderAdapter Adapter(ProviderKind kind) => kind switch
    {
        ProviderKind.OpenAI => new OpenAIAdapter(),
        ProviderKind.Anthropic => new AnthropicAdapter(),
        ProviderKind.Gemini => new GeminiAdapter(new ThoughtSignatureStore()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static Deployment DeploymentFor(ProviderKind kind) => kind switch
    {
        ProviderKind.OpenAI => OpenAIDeployment,
        ProviderKind.Anthropic => AnthropicDeployment,
        ProviderKind.Gemini => GeminiDeployment,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static Deployment Deployment(string id, ProviderKind provider, string model)
        => new(id, new DeploymentOptions { Provider = provider, Model = model, BaseUrl = "http://127.0.0.1/" }, new Uri("http://127.0.0.1/"));

    /// <summary>The same body asking for a stream with the usage chunk, as SDKs commonly do.</summary>
    private static byte[] WithStream(byte[] body)
        => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body)
            .Replace("{\"model\"", "{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\"", StringComparison.Ordinal));

    private static Captured Capture() => CaptureAsync().GetAwaiter().GetResult();

    private static async Task<Captured> CaptureAsync()
    {
        var kinds = Enum.GetValues<ProviderKind>();
        var responses = new byte[kinds.Length][];
        var streams = new byte[kinds.Length][][];
        await using var server = await SimulatedUpstreamServer.StartAsync(_ => null);
        using var http = new HttpClient();
        foreach (var kind in kinds)
        {
            responses[(int)kind] = await PostAsync(http, server.BaseAddress, kind, stream: false);
            streams[(int)kind] = SplitEvents(await PostAsync(http, server.BaseAddress, kind, stream: true));
        }

        return new Captured(responses, streams);
    }

    private static async Task<byte[]> PostAsync(HttpClient http, Uri server, ProviderKind kind, bool stream)
    {
        using var request = ParseText(stream);
        var deployment = DeploymentFor(kind);
        var adapter = Adapter(kind);
        var upstream = adapter.CreateRequest(request, deployment);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(server, "/sim/" + deployment.Id + upstream.PathAndQuery));
        message.Content = new ReadOnlyMemoryContent(upstream.Body);
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        adapter.ApplyHeaders(message.Headers, "bench-key");
        using var response = await http.SendAsync(message);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The simulated {kind} upstream answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
        }

        return body;
    }

    /// <summary>
    /// Splits an SSE body after each blank line (LF LF or CRLF CRLF, as Gemini sends): one network read per event,
    /// as a paced upstream sends them.
    /// </summary>
    private static byte[][] SplitEvents(byte[] body)
    {
        var events = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != '\n')
            {
                continue;
            }

            var next = i + 1 < body.Length && body[i + 1] == '\r' ? i + 2 : i + 1;
            if (next < body.Length && body[next] == '\n')
            {
                events.Add(body[start..(next + 1)]);
                start = next + 1;
                i = next;
            }
        }

        if (start < body.Length)
        {
            events.Add(body[start..]);
        }

        return [.. events];
    }

    private sealed record Captured(byte[][] Responses, byte[][][] Streams);
}
