using System.Diagnostics;

namespace LlmRouter.Simulator;

/// <summary>
/// Paces a stream: waits the time to first token, then releases tokens at <see cref="SimulatedBehavior.TokensPerSecond"/>
/// against an absolute schedule so timer slack does not accumulate. With zero delays nothing is awaited.
/// </summary>
internal sealed class StreamPacer
{
    private readonly SimulatedBehavior _behavior;
    private long _startTimestamp;

    public StreamPacer(SimulatedBehavior behavior)
    {
        _behavior = behavior;

        // Roughly one word per chunk like real providers, but at most ~100 chunks a second so timer resolution
        // does not slow fast streams; unpaced streams send a couple of words per chunk.
        WordsPerChunk = behavior.TokensPerSecond > 0 ? Math.Max(1, (int)Math.Ceiling(behavior.TokensPerSecond / 100)) : 2;
    }

    public int WordsPerChunk { get; }

    public async ValueTask WaitForFirstTokenAsync(CancellationToken cancellationToken)
    {
        if (_behavior.TimeToFirstTokenMs > 0)
        {
            await Task.Delay(_behavior.TimeToFirstTokenMs, cancellationToken);
        }

        _startTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>Waits until the given number of tokens, counted from the first, may have been sent.</summary>
    public ValueTask WaitForTokensAsync(int tokensSent, CancellationToken cancellationToken)
    {
        if (_behavior.TokensPerSecond <= 0 || tokensSent <= 0)
        {
            return default;
        }

        var due = TimeSpan.FromSeconds(tokensSent / _behavior.TokensPerSecond);
        var wait = due - Stopwatch.GetElapsedTime(_startTimestamp);
        return wait >= TimeSpan.FromMilliseconds(1) ? new ValueTask(Task.Delay(wait, cancellationToken)) : default;
    }
}
