using System.Diagnostics;
using System.Net;
using LlmRouter.IntegrationTests.Infrastructure;

namespace LlmRouter.IntegrationTests.Resilience;

/// <summary>A client that goes away mid-stream must not leave the upstream generating (and billing).</summary>
public sealed class ClientCancellationTests : IAsyncLifetime
{
    private readonly SlowStreamUpstream _slow = new(TimeSpan.FromMilliseconds(100), chunks: 300);
    private KestrelUpstream _upstream = null!;
    private GatewayApp _gateway = null!;

    public async Task InitializeAsync()
    {
        _upstream = await KestrelUpstream.StartAsync(_slow.HandleAsync);
        _gateway = new GatewayApp(new TestCatalog().Deployment("slow", "OpenAI", _upstream.Url, model: "gpt-4o"));
    }

    public async Task DisposeAsync()
    {
        _gateway.Dispose();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task ClientCancelsMidStream_UpstreamRequestCancelledPromptly()
    {
        using var client = _gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = OpenAIWire.Request("slow", stream: true) };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.StartsWith("data: ", first, StringComparison.Ordinal);
        Assert.False(_slow.Aborted.Task.IsCompleted);

        // Cancelling a read aborts the client connection (disposing the response would let HttpClient drain it for reuse).
        using var cancel = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            while (await reader.ReadLineAsync(cancel.Token) is not null)
            {
            }
        });
        await Task.Delay(150);
        var watch = Stopwatch.StartNew();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
        response.Dispose();

        await _slow.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the upstream was cancelled only after {watch.Elapsed}");
        Assert.False(_slow.Finished.Task.IsCompleted);
    }
}
