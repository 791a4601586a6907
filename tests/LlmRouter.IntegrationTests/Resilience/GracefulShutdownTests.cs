using System.Diagnostics;
using System.Net;
using LlmRouter.IntegrationTests.Infrastructure;

namespace LlmRouter.IntegrationTests.Resilience;

/// <summary>On shutdown, in-flight streams may finish within the drain time; the rest end with a shutting_down error event.</summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task StreamOutlastingDrain_EndsWithShuttingDownErrorEvent()
    {
        var slow = new SlowStreamUpstream(TimeSpan.FromMilliseconds(100), chunks: 300);
        await using var upstream = await KestrelUpstream.StartAsync(slow.HandleAsync);
        var gateway = Gateway(upstream, drainSeconds: 1);
        try
        {
            var (capture, sinceStop) = await StreamThroughShutdownAsync(gateway);

            Assert.Equal("shutting_down", capture.ErrorCode());
            Assert.False(capture.EndedWithDone);
            Assert.True(capture.Data.Count > 2, "the stream did not run on during the drain time");
            Assert.True(sinceStop >= TimeSpan.FromSeconds(0.8) && sinceStop < TimeSpan.FromSeconds(5), $"the stream ended {sinceStop} after shutdown began");
            await slow.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            gateway.Dispose();
        }
    }

    [Fact]
    public async Task StreamFinishingWithinDrain_CompletesNormally()
    {
        var slow = new SlowStreamUpstream(TimeSpan.FromMilliseconds(100), chunks: 8);
        await using var upstream = await KestrelUpstream.StartAsync(slow.HandleAsync);
        var gateway = Gateway(upstream, drainSeconds: 5);
        try
        {
            var (capture, _) = await StreamThroughShutdownAsync(gateway);

            Assert.Null(capture.Failure);
            Assert.True(capture.EndedWithDone);
            Assert.Equal("t0 t1 t2 t3 t4 t5 t6 t7 ", Sse.Content(capture.Data));
        }
        finally
        {
            gateway.Dispose();
        }
    }

    private static GatewayApp Gateway(KestrelUpstream upstream, double drainSeconds)
        => new(new TestCatalog().Deployment("slow", "OpenAI", upstream.Url, model: "gpt-4o").Set("ShutdownDrainSeconds", drainSeconds));

    // Starts a stream, begins stopping the host once the first event arrived, and reads the stream to its end.
    private static async Task<(StreamCapture Capture, TimeSpan SinceStop)> StreamThroughShutdownAsync(GatewayApp gateway)
    {
        using var client = gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = OpenAIWire.Request("slow", stream: true) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var reading = StreamCapture.ReadAsync(response);
        await Task.Delay(150);
        var watch = Stopwatch.StartNew();
        var stopping = Task.Run(gateway.Dispose);
        var capture = await reading.WaitAsync(TimeSpan.FromSeconds(15));
        var sinceStop = watch.Elapsed;
        await stopping.WaitAsync(TimeSpan.FromSeconds(15));
        return (capture, sinceStop);
    }
}
