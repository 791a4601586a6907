using System.Threading.Channels;

namespace LlmRouter.Limits;

/// <summary>
/// Settlements that nobody waits for (the response has been sent), sent to Redis in batches by one loop: it
/// waits <see cref="Linger"/> after the first queued settlement so a busy gateway sends one script call per few
/// milliseconds rather than one per request. Settlement only corrects a reservation and releases a lease, so a
/// few milliseconds later is harmless; every queued settlement is still sent, and <see cref="FlushAsync"/> (at
/// shutdown) sends what is left.
/// </summary>
internal sealed class RedisSettlementBatcher
{
    /// <summary>How long the first settlement of a batch waits for others.</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(2);

    /// <summary>The most settlements in one script call.</summary>
    public const int MaxBatch = 256;

    private readonly Channel<Settlement> _queue = Channel.CreateUnbounded<Settlement>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<Settlement>, Task> _send;
    private readonly Action<Exception, int> _failed;
    private readonly Task _loop;

    /// <param name="send">Sends one batch.</param>
    /// <param name="failed">Told about a batch that could not be sent and how many settlements it held (they are lost).</param>
    public RedisSettlementBatcher(Func<IReadOnlyList<Settlement>, Task> send, Action<Exception, int> failed)
    {
        _send = send;
        _failed = failed;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues a settlement; false once the batcher has been flushed for shutdown.</summary>
    public bool Post(Settlement settlement) => _queue.Writer.TryWrite(settlement);

    /// <summary>Sends everything queued and stops taking settlements.</summary>
    public async Task FlushAsync(TimeSpan timeout)
    {
        _queue.Writer.TryComplete();
        await _loop.WaitAsync(timeout).ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Settlement>(MaxBatch);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (!reader.Completion.IsCompleted)
            {
                await Task.Delay(Linger).ConfigureAwait(false);
            }

            while (batch.Count < MaxBatch && reader.TryRead(out var settlement))
            {
                batch.Add(settlement);
            }

            try
            {
                await _send(batch).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _failed(ex, batch.Count);
            }

            batch.Clear();
        }
    }
}
