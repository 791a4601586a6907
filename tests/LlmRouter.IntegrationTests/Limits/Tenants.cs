using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmRouter.Auth;
using LlmRouter.IntegrationTests.Infrastructure;

namespace LlmRouter.IntegrationTests.Limits;

/// <summary>Settings, catalogs and requests shared by the gateway-key and fleet-limit tests.</summary>
public static class Tenants
{
    public const string AdminKey = "adm-tenants-0123456789";
    public const string Model = "tenant-chat";

    /// <summary>One OpenAI deployment named <see cref="Model"/> at <paramref name="upstreamUrl"/>, priced so 1 token costs USD 0.001.</summary>
    public static TestCatalog Catalog(string upstreamUrl, Action<System.Text.Json.Nodes.JsonObject>? configure = null, string model = Model)
        => new TestCatalog().Deployment(model, "OpenAI", upstreamUrl, model: "gpt-4o", configure: d =>
        {
            d["Pricing"] = new System.Text.Json.Nodes.JsonObject { ["InputPerMillion"] = 1000, ["OutputPerMillion"] = 1000 };
            configure?.Invoke(d);
        });

    /// <summary>Settings for a configured key: its hash (never the key) and its limits.</summary>
    public static Dictionary<string, string?> Key(string name, string secret, params (string Field, string Value)[] fields)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"LlmRouter:Auth:Keys:{name}:Hash"] = KeyHash.Of(secret),
            ["LLMROUTER_ADMIN_KEY"] = AdminKey,
        };
        foreach (var (field, value) in fields)
        {
            settings[$"LlmRouter:Auth:Keys:{name}:{field}"] = value;
        }

        return settings;
    }

    public static Dictionary<string, string?> With(this Dictionary<string, string?> settings, string key, string? value)
    {
        settings[key] = value;
        return settings;
    }

    /// <summary>A unique name, so tests sharing one Redis never share counters.</summary>
    public static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    public static HttpClient Client(GatewayApp gateway, string? key)
    {
        var client = gateway.CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public static StringContent Chat(bool stream = false, int? maxTokens = null, string model = Model)
        => new($$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}}{{(maxTokens is { } m ? $",\"max_tokens\":{m}" : "")}},"messages":[{"role":"user","content":"Say hello"}]}""",
            Encoding.UTF8, "application/json");

    public static async Task<HttpResponseMessage> PostChatAsync(HttpClient client, bool stream = false, int? maxTokens = null, string model = Model)
    {
        using var content = Chat(stream, maxTokens, model);
        var response = await client.PostAsync("/v1/chat/completions", content);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>The error object of an OpenAI-style error body.</summary>
    public static async Task<JsonElement> ErrorAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("error").Clone();
    }

    /// <summary>The usage of one key from <c>GET /admin/keys</c>.</summary>
    public static async Task<JsonElement> KeyUsageAsync(GatewayApp gateway, string name)
    {
        using var client = gateway.CreateClient();
        client.DefaultRequestHeaders.Add("x-llmrouter-admin-key", AdminKey);
        using var document = JsonDocument.Parse(await client.GetStringAsync("/admin/keys"));
        return document.RootElement.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("name").GetString() == name).GetProperty("usage").Clone();
    }
}
