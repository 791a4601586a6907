using System.Buffers;
using LlmRouter.Providers;
using LlmRouter.Proxy.Attempts;
using LlmRouter.Resilience;

namespace LlmRouter.Proxy;

/// <summary>
/// The response body YARP copies to the client for a stream: reads upstream bytes as they arrive and returns the
/// translated OpenAI events. <see cref="ReadToFirstTokenAsync"/> runs first, before anything is sent, so a failure
/// before the first token can still be retried; once the client has bytes, an upstream failure becomes an error
/// event followed by a dropped connection, never a truncated stream that looks like success. The stream reports
/// the attempt's result when it ends.
/// </summary>
internal sealed class TranslatingStream : Stream
{
    private const int InputBufferSize = 16 * 1024;

    // Aborting the client connection discards output Kestrel has not yet written to the socket; this grace lets the
    // error event leave before the drop (wall-clock on purpose: it is about the transport, not a route timeout).
    private static readonly TimeSpan ErrorEventGrace = TimeSpan.FromMilliseconds(250);

    private readonly Stream _upstream;
    private readonly IStreamTranslator _translator;
    private readonly StreamLimits _limits;
    private readonly UpstreamAttempt _attempt;
    private readonly int _statusCode;
    private readonly CancellationTokenSource _timer;
    // Neither buffer is held while the stream waits for upstream data (see ReadUpstreamAsync, PooledBufferWriter).
    private readonly PooledBufferWriter _pending = new();
    private int _pendingOffset;
    private TimeSpan? _timeToFirstToken;
    private bool _ended;
    private bool _reported;
    private bool _handedOver;
    private CancellationTokenSource? _readCancellation;
    private CancellationToken _linkedFor;

    public TranslatingStream(Stream upstream, IStreamTranslator translator, StreamLimits limits, UpstreamAttempt attempt, int statusCode)
    {
        _upstream = upstream;
        _translator = translator;
        _limits = limits;
        _attempt = attempt;
        _statusCode = statusCode;
        _timer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, limits.Time);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>The translator's error once the stream ended in one.</summary>
    public UpstreamError? Error => _translator.Error;

    /// <summary>
    /// Reads and translates until the first content-bearing event (or the end of the stream), holding the output back.
    /// Returns false when the stream failed before its first token; the caller then discards it. Cancelled through
    /// <paramref name="cancellationToken"/> (the attempt's first-token limit or the client leaving).
    /// </summary>
    public async ValueTask<bool> ReadToFirstTokenAsync(CancellationToken cancellationToken)
    {
        while (!_ended && !_translator.HasContent)
        {
            try
            {
                await ReadUpstreamAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                _translator.Fail(_pending, "The upstream connection failed before the first token.", "server_error", "upstream_error");
                _ended = true;
                break;
            }
        }

        // Content before an error (even within one read) was the first token: the client gets it, then the error event.
        return _translator.HasContent || _translator.Error is null;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _handedOver = true;
        while (true)
        {
            var available = _pending.WrittenCount - _pendingOffset;
            if (available > 0)
            {
                var n = Math.Min(available, buffer.Length);
                _pending.WrittenSpan.Slice(_pendingOffset, n).CopyTo(buffer.Span);
                _pendingOffset += n;
                return n;
            }

            if (_ended)
            {
                Report(clientAborted: false);
                if (_translator.Error is { } error)
                {
                    await Task.Delay(ErrorEventGrace, cancellationToken);
                    // The error event is out; failing the read makes YARP abort the client connection, so a
                    // failed stream can never end like a successful one.
                    throw new IOException($"The upstream stream failed: {error.Message}");
                }

                return 0;
            }

            _pending.Clear();
            _pendingOffset = 0;

            try
            {
                await ReadUpstreamAsync(ArmTimers(cancellationToken));

                // Time spent writing to a slow client is not upstream idleness.
                _timer.CancelAfter(Timeout.InfiniteTimeSpan);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The client went away (or YARP's activity timeout fired): nothing more can reach it.
                Report(clientAborted: true);
                throw;
            }
            catch (OperationCanceledException) when (_limits.Draining.IsCancellationRequested)
            {
                _translator.Fail(_pending, "The gateway is shutting down; the stream was ended after the drain period.", "server_error", "shutting_down");
                _ended = true;
                continue;
            }
            catch (OperationCanceledException) when (_timer.IsCancellationRequested)
            {
                var total = _limits.Time.GetUtcNow() >= _limits.Deadline;
                _translator.Fail(_pending,
                    total ? "The stream exceeded the route's total timeout." : "The upstream stream was idle for longer than the route allows.",
                    "server_error", "timeout");
                _ended = true;
                continue;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
            {
                _translator.Fail(_pending, "The upstream connection failed while streaming the response.", "server_error", "upstream_error");
                _ended = true;
                continue;
            }
        }
    }

    /// <summary>
    /// Waits for upstream data with a zero-byte read (as YARP's own copier does), then reads and translates what
    /// arrived into a pooled buffer given back at once: thousands of open streams between two events hold no input buffer.
    /// </summary>
    private async ValueTask ReadUpstreamAsync(CancellationToken cancellationToken)
    {
        // A zero-byte read returns 0 once data is there (or at the end); the real read below tells which.
        _ = await _upstream.ReadAsync(Memory<byte>.Empty, cancellationToken);
        var input = ArrayPool<byte>.Shared.Rent(InputBufferSize);
        try
        {
            Consume(input, await _upstream.ReadAsync(input, cancellationToken));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    // Translates one upstream read into _pending; 0 bytes is the end of the upstream body.
    private void Consume(byte[] input, int read)
    {
        if (read == 0)
        {
            _translator.Complete(_pending);
            _ended = true;
            return;
        }

        _translator.Translate(input.AsSpan(0, read), _pending);
        if (_translator.PendingBytes > _limits.MaxEventBytes)
        {
            _translator.Fail(_pending, $"The upstream sent a stream event larger than the gateway's limit of {_limits.MaxEventBytes} bytes.",
                "server_error", "upstream_event_too_large");
            _ended = true;
        }

        if (_timeToFirstToken is null && _translator.HasContent)
        {
            _timeToFirstToken = _attempt.Elapsed;
        }

        _ended |= _translator.Error is not null;
    }

    // One linked token for the whole stream (YARP passes the same token on every read); only the timer moves.
    private CancellationToken ArmTimers(CancellationToken cancellationToken)
    {
        var untilDeadline = _limits.Deadline - _limits.Time.GetUtcNow();
        _timer.CancelAfter(untilDeadline < _limits.IdleTimeout ? (untilDeadline > TimeSpan.Zero ? untilDeadline : TimeSpan.FromMilliseconds(1)) : _limits.IdleTimeout);
        if (_readCancellation is null || _linkedFor != cancellationToken)
        {
            _readCancellation?.Dispose();
            _readCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timer.Token, _limits.Draining);
            _linkedFor = cancellationToken;
        }

        return _readCancellation.Token;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Report(clientAborted: !_ended);
            _translator.Dispose();
            _upstream.Dispose();
            _readCancellation?.Dispose();
            _timer.Dispose();
            _pending.Dispose();
        }

        base.Dispose(disposing);
    }

    // Only a stream handed to the client reports (every result it reports is committed); before that the
    // response transform reports for it.
    private void Report(bool clientAborted)
    {
        if (_reported || !_handedOver)
        {
            return;
        }

        _reported = true;
        var usage = _translator.Usage;
        if (clientAborted)
        {
            _attempt.Report(AttemptResult.Aborted(_statusCode, committed: true, usage));
            return;
        }

        _attempt.Report(new AttemptResult(
            _translator.Error is null ? AttemptResultKind.Succeeded : AttemptResultKind.UpstreamFailed,
            _statusCode, _translator.Error, Committed: true, usage, _timeToFirstToken, _translator.ResponseModel));
    }
}
