using Microsoft.AspNetCore.Http;

namespace LlmRouter.IntegrationTests.Resilience;

/// <summary>An OpenAI upstream that streams one chunk per interval and records when its request is cancelled.</summary>
public sealed class SlowStreamUpstream
{
    private readonly TimeSpan _interval;
    private readonly int _chunks;

    public SlowStreamUpstream(TimeSpan interval, int chunks)
    {
        _interval = interval;
        _chunks = chunks;
    }

    /// <summary>Completes when the gateway cancels the upstream request.</summary>
    public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the upstream has sent every chunk and [DONE].</summary>
    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task HandleAsync(HttpContext context)
    {
        using var registration = context.RequestAborted.Register(Aborted.SetResult);
        try
        {
            await OpenAIWire.BeginStreamAsync(context.Response, "t0 ");
            for (var i = 1; i < _chunks; i++)
            {
                await Task.Delay(_interval, context.RequestAborted);
                await context.Response.WriteAsync(OpenAIWire.Chunk($"t{i} "), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }

            await context.Response.WriteAsync(OpenAIWire.FinalChunk + "data: [DONE]\n\n", context.RequestAborted);
            Finished.TrySetResult();
        }
        catch (OperationCanceledException)
        {
            // Cancelled by the gateway: what the tests look for.
        }
    }
}
