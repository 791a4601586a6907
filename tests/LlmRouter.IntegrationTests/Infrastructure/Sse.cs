using System.Text.Json;

namespace LlmRouter.IntegrationTests.Infrastructure;

/// <summary>Reads an OpenAI SSE response body into its data payloads.</summary>
public static class Sse
{
    public static async Task<List<string>> ReadDataAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Trim())
            .Where(e => e.StartsWith("data: ", StringComparison.Ordinal))
            .Select(e => e["data: ".Length..])
            .ToList();
    }

    /// <summary>The concatenated <c>delta.content</c> of all chunks.</summary>
    public static string Content(IEnumerable<string> data)
        => string.Concat(data.Where(d => d != "[DONE]").Select(d =>
        {
            using var doc = JsonDocument.Parse(d);
            if (!doc.RootElement.TryGetProperty("choices", out var choices) || choices.GetArrayLength() == 0)
            {
                return "";
            }

            return choices[0].GetProperty("delta").TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
                ? content.GetString()
                : "";
        }));
}
