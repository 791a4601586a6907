using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace LlmRouter.Tests.Simulator;

/// <summary>Request and wire-parsing helpers for the simulator tests.</summary>
internal static class SimulatorHttp
{
    public static readonly (string Name, string Value)[] AnthropicHeaders = [("x-api-key", "test-key"), ("anthropic-version", "2023-06-01")];

    public static readonly (string Name, string Value)[] GeminiHeaders = [("x-goog-api-key", "test-key")];

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string body, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return client.SendAsync(request);
    }

    public static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync());

    /// <summary>Splits an event stream into events, asserting the body ends with the separator.</summary>
    public static string[] SplitEvents(string body, string separator)
    {
        Assert.EndsWith(separator, body, StringComparison.Ordinal);
        return body[..^separator.Length].Split(separator);
    }

    /// <summary>The JSON payload of a <c>data: …</c> event line.</summary>
    public static JsonElement Data(string line)
    {
        Assert.StartsWith("data: ", line, StringComparison.Ordinal);
        return JsonDocument.Parse(line["data: ".Length..]).RootElement;
    }

    public static int Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    public static void AssertNull(JsonElement element, string property)
    {
        Assert.True(element.TryGetProperty(property, out var value), $"missing '{property}'");
        Assert.Equal(JsonValueKind.Null, value.ValueKind);
    }

    public static string String(JsonElement element, string property)
    {
        var value = element.GetProperty(property);
        Assert.Equal(JsonValueKind.String, value.ValueKind);
        return value.GetString()!;
    }

    public static int Int(JsonElement element, string property)
    {
        var value = element.GetProperty(property);
        Assert.Equal(JsonValueKind.Number, value.ValueKind);
        return value.GetInt32();
    }

    /// <summary>Sends requests to a deployment with ErrorRate 1 until a 429 shows up, checking every error body.</summary>
    public static async Task<HttpResponseMessage> CollectErrorsUntilRateLimitedAsync(
        Func<Task<HttpResponseMessage>> send, int[] allowedStatuses, Action<int, JsonElement> assertBody)
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var response = await send();
            var status = (int)response.StatusCode;
            Assert.Contains(status, allowedStatuses);
            using var body = await ReadJsonAsync(response);
            assertBody(status, body.RootElement);
            if (status == 429)
            {
                return response;
            }

            response.Dispose();
        }

        Assert.Fail("ErrorRate=1 never produced a 429 in 60 requests.");
        return null!;
    }
}
