using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Simulator;

/// <summary>
/// The request flow shared by the three simulated providers: authorise, parse, inject faults, wait, answer.
/// Subclasses supply only the provider's wire format.
/// </summary>
internal abstract class ProviderSimulator
{
    public async Task HandleAsync(HttpContext context, string deployment, SimulatedBehavior behavior)
    {
        var cancellationToken = context.RequestAborted;
        var error = PreCheck(context);
        SimulatedRequest? request = null;
        if (error is null)
        {
            using var document = await RequestJson.TryParseAsync(context.Request, cancellationToken);
            if (document is null || document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = new SimulatedError(ErrorKind.InvalidRequest, "The request body is not a valid JSON object.");
            }
            else
            {
                TryParse(context, deployment, document.RootElement, out request, out error);
            }
        }

        error ??= FaultInjector.Next(behavior.ErrorRate);
        if (error is not null || request is null)
        {
            await WriteErrorAsync(context, error ?? new SimulatedError(ErrorKind.ServerError, null), cancellationToken);
            return;
        }

        var reply = SimulatedReply.Create(request);
        if (request.Stream)
        {
            var pacer = new StreamPacer(behavior);
            await pacer.WaitForFirstTokenAsync(cancellationToken);
            await WriteStreamAsync(context, request, reply, pacer, cancellationToken);
        }
        else
        {
            if (behavior.LatencyMs > 0)
            {
                await Task.Delay(behavior.LatencyMs, cancellationToken);
            }

            await WriteResponseAsync(context, request, reply, cancellationToken);
        }
    }

    /// <summary>Checks what is known before the body is read (auth headers, URL); returns the error to answer with, or null.</summary>
    protected virtual SimulatedError? PreCheck(HttpContext context) => null;

    /// <summary>Validates the body and extracts what the reply depends on.</summary>
    protected abstract bool TryParse(
        HttpContext context,
        string deployment,
        JsonElement root,
        [NotNullWhen(true)] out SimulatedRequest? request,
        [NotNullWhen(false)] out SimulatedError? error);

    protected abstract ValueTask WriteErrorAsync(HttpContext context, SimulatedError error, CancellationToken cancellationToken);

    protected abstract ValueTask WriteResponseAsync(HttpContext context, SimulatedRequest request, SimulatedReply reply, CancellationToken cancellationToken);

    protected abstract Task WriteStreamAsync(HttpContext context, SimulatedRequest request, SimulatedReply reply, StreamPacer pacer, CancellationToken cancellationToken);

    /// <summary>Sends the text a few words per chunk at the pacer's rate; chunks concatenate to the exact text.</summary>
    protected static async Task StreamTextAsync<TState>(
        string text, StreamPacer pacer, TState state, Func<TState, TextChunk, CancellationToken, ValueTask> send, CancellationToken cancellationToken)
    {
        var sent = 0;
        for (var start = 0; start < text.Length;)
        {
            await pacer.WaitForTokensAsync(sent, cancellationToken);
            var end = SimulatedReply.SkipWords(text, start, pacer.WordsPerChunk, out var taken);
            sent += taken;
            await send(state, new TextChunk(text.AsMemory(start, end - start), sent, start == 0, end == text.Length), cancellationToken);
            start = end;
        }
    }

    /// <summary>Sends tool arguments in fixed-size fragments, paced at about four characters per token.</summary>
    protected static async Task StreamArgumentsAsync<TState>(
        string arguments, StreamPacer pacer, TState state, Func<TState, ReadOnlyMemory<char>, CancellationToken, ValueTask> send, CancellationToken cancellationToken)
    {
        for (var start = 0; start < arguments.Length; start += SimulatedReply.ArgumentFragmentLength)
        {
            await pacer.WaitForTokensAsync(start / 4, cancellationToken);
            var length = Math.Min(SimulatedReply.ArgumentFragmentLength, arguments.Length - start);
            await send(state, arguments.AsMemory(start, length), cancellationToken);
        }
    }

    protected static bool Fail(string message, string? param, out SimulatedRequest? request, out SimulatedError? error)
    {
        request = null;
        error = new SimulatedError(ErrorKind.InvalidRequest, message, param);
        return false;
    }
}
