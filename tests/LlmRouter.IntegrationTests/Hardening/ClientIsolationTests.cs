using System.Collections.Concurrent;
using System.Text;

namespace LlmRouter.IntegrationTests.Hardening;

/// <summary>
/// Issue 10's "done when": any number of malformed requests from one client leaves every other client's traffic and
/// every deployment's health unchanged. A hostile client and a well-behaved one share the gateway at the same time.
/// </summary>
public sealed class ClientIsolationTests : IDisposable
{
    private readonly HardeningGateway _gateway = new();

    [Fact]
    public async Task MalformedRequestsFromOneClient_LeaveOtherClientsAndEveryDeploymentUnaffected()
    {
        var hostile = Hostile().ToList();
        var wellBehavedStatuses = new ConcurrentBag<int>();

        var attack = Parallel.ForEachAsync(Enumerable.Range(0, 3), async (round, _) =>
        {
            foreach (var send in hostile)
            {
                try
                {
                    await send();
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException)
                {
                    // The hostile client's own failures are its business.
                }
            }
        });
        var normal = Parallel.ForEachAsync(Enumerable.Range(0, 60), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            var route = new[] { "all", "gpt", "claude", "gemini" }[i % 4];
            var stream = i % 3 == 0 ? ",\"stream\":true" : string.Empty;
            var response = await _gateway.PostJsonAsync(FuzzRequests.ChatPath, $$"""{"model":"{{route}}","messages":[{"role":"user","content":"hello {{i}}"}]{{stream}}}""");
            wellBehavedStatuses.Add(response.Status);
        });
        await Task.WhenAll(attack, normal);

        // And after the attack, too: every deployment still serves.
        foreach (var route in new[] { "gpt", "claude", "gemini", "all" })
        {
            var after = await _gateway.PostJsonAsync(FuzzRequests.ChatPath, $$"""{"model":"{{route}}","messages":[{"role":"user","content":"after"}]}""");
            wellBehavedStatuses.Add(after.Status);
        }

        Assert.All(wellBehavedStatuses, status => Assert.Equal(200, status));
        Assert.Empty(_gateway.UnhealthyDeployments());
    }

    public void Dispose() => _gateway.Dispose();

    /// <summary>Requests the issue saw hurt others or answer 5xx: non-ASCII and steering headers, bad Unicode, depth, types, framing.</summary>
    private IEnumerable<Func<Task>> Hostile()
    {
        foreach (var route in new[] { "all", "gpt", "claude", "gemini" })
        {
            var valid = $$"""{"model":"{{route}}","messages":[{"role":"user","content":"hi"}]}""";
            yield return () => _gateway.PostJsonAsync(FuzzRequests.ChatPath, valid, ("x-note", "café"));
            yield return () => _gateway.PostJsonAsync(FuzzRequests.ChatPath, valid, ("x-llmrouter-category", "café"));
            yield return () => _gateway.PostJsonAsync(FuzzRequests.ChatPath, valid, ("Content-Encoding", "gzip"));
            yield return () => _gateway.PostJsonAsync(FuzzRequests.ChatPath, $$"""{"model":"{{route}}","messages":[{"role":"user","content":"\ud800"}]}""");
            yield return () => _gateway.PostJsonAsync(FuzzRequests.ChatPath, $$"""{"model":"{{route}}","messages":[{"role":"user","content":"hi"}],"x":{{new string('[', 100) + new string(']', 100)}}}""");
            yield return () => _gateway.PostJsonAsync(FuzzRequests.ChatPath, $$"""{"model":"{{route}}","messages":[{"role":"user","content":"hi"}],"tools":[{"type":1}]}""");
            yield return () => _gateway.PostJsonAsync(FuzzRequests.ChatPath, $$$"""{"model":"{{{route}}}","messages":[{"role":"user","content":"hi"}],"response_format":{"type":true}}""");
            yield return () => _gateway.PostJsonAsync(FuzzRequests.ChatPath, $$"""{"model":"{{route}}","messages":[{"role":"user","content":"hi"}],"presence_penalty":1e309}""");
            yield return () => _gateway.PostJsonAsync(FuzzRequests.ChatPath, $$$"""{"model":"{{{route}}}","messages":[{"role":"user","content":"hi"}],"metadata":{"category":"café"}}""");
            yield return () => _gateway.PostJsonAsync(FuzzRequests.ChatPath, valid.Replace("hi", "hi\",\"model\":\"x", StringComparison.Ordinal));
            yield return async () => await RawHttp.SendAsync(_gateway.Gateway.BaseAddress, RawHttp.Build(
                $"POST {FuzzRequests.ChatPath} HTTP/1.1",
                [RawHttp.Header("Content-Type: application/json"), RawHttp.Header("Transfer-Encoding: chunked")],
                [.. "ffffffffffffffff\r\n"u8, .. Encoding.UTF8.GetBytes(valid), .. "\r\n0\r\n\r\n"u8]), TimeSpan.FromSeconds(15));
        }
    }
}
