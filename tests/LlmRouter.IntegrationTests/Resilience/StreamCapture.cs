using System.Text.Json;

namespace LlmRouter.IntegrationTests.Resilience;

/// <summary>
/// Reads an SSE response event by event and keeps what arrived even when the connection is then dropped
/// (which is how the gateway ends a failed stream), so a test can see both the error event and the drop.
/// </summary>
public sealed record StreamCapture(List<string> Data, Exception? Failure)
{
    public bool EndedWithDone => Data.Count > 0 && Data[^1] == "[DONE]";

    public static async Task<StreamCapture> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        var data = new List<string>();
        try
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Add(line["data: ".Length..]);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return new StreamCapture(data, ex);
        }

        return new StreamCapture(data, null);
    }

    /// <summary>The <c>error.code</c> of the last event when it is an error event, else null.</summary>
    public string? ErrorCode()
    {
        if (Data.Count == 0 || Data[^1] == "[DONE]")
        {
            return null;
        }

        using var doc = JsonDocument.Parse(Data[^1]);
        return doc.RootElement.TryGetProperty("error", out var error) ? error.GetProperty("code").GetString() : null;
    }
}
