using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace LlmRouter.Allocations;

/// <summary>Sends sequential requests to one target and counts the bytes the whole process allocated meanwhile.</summary>
internal sealed class RequestLoop(HttpClient client)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    // Responses are read into one reused buffer: the client's own allocations stay small and equal across targets.
    private readonly byte[] _buffer = new byte[64 * 1024];

    /// <summary>One request whose answer must be 200 and contain the target's expected text.</summary>
    public async Task CheckAsync(Target target)
    {
        using var request = Create(target);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK || !body.Contains(target.Expected, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"sanity check failed for {target.Scenario}/{target.Name} ({target.Url}): HTTP {(int)response.StatusCode} {body[..Math.Min(body.Length, 400)]}");
        }
    }

    public async Task SendAsync(Target target, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var request = Create(target);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"{target.Scenario}/{target.Name} answered HTTP {(int)response.StatusCode} during the run.");
            }

            await using var stream = await response.Content.ReadAsStreamAsync();
            while (await stream.ReadAsync(_buffer) > 0)
            {
            }
        }
    }

    /// <summary>
    /// Bytes allocated by the whole process (every thread: client, hops, simulator, log writer) per request. The
    /// counter is process-wide because a request crosses several thread-pool threads.
    /// </summary>
    public async Task<double> MeasureAsync(Target target, int count)
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await SendAsync(target, count);
        var after = GC.GetTotalAllocatedBytes(precise: true);
        return (after - before) / (double)count;
    }

    private static HttpRequestMessage Create(Target target)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(target.Body) };
        request.Content.Headers.ContentType = Json;
        foreach (var (name, value) in target.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    /// <summary>Reads a body file copied next to the binary, with run.sh's model substitution.</summary>
    public static byte[] Body(string file, string? model = null)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "load", file));
        return Encoding.UTF8.GetBytes(model is null ? text : text.Replace("\"model\":\"gpt-4o\"", $"\"model\":\"{model}\"", StringComparison.Ordinal));
    }
}
