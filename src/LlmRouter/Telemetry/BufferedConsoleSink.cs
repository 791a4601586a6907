using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace LlmRouter.Telemetry;

/// <summary>
/// Console output when stdout is redirected (a container's log, a file, a pipe): events are formatted into a
/// buffered writer and written in batches — when the buffer fills, or <see cref="FlushInterval"/> after the first
/// unwritten event. Serilog's console sink flushes every event, one write system call per request line, which
/// cost the shipped gateway about a tenth of its throughput at Information level. It runs behind the bounded
/// log queue, so only that queue's worker writes here; the lock is for the flush timer and disposal.
/// </summary>
internal sealed class BufferedConsoleSink : ILogEventSink, IDisposable
{
    /// <summary>The longest an event waits in the buffer before it is written.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(50);

    private const int BufferChars = 32 * 1024;

    private readonly ITextFormatter _formatter;
    private readonly TextWriter _writer;
    private readonly Timer _timer;
    private readonly Lock _lock = new();
    private bool _pending;
    private bool _disposed;

    public BufferedConsoleSink(ITextFormatter formatter)
        : this(formatter, Console.OpenStandardOutput())
    {
    }

    internal BufferedConsoleSink(ITextFormatter formatter, Stream output)
    {
        _formatter = formatter;
        _writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), BufferChars) { AutoFlush = false };
        _timer = new Timer(static state => ((BufferedConsoleSink)state!).Flush(), this, Timeout.Infinite, Timeout.Infinite);
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _formatter.Format(logEvent, _writer);
            if (!_pending)
            {
                _pending = true;
                _timer.Change(FlushInterval, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>Writes what is buffered.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (_pending && !_disposed)
            {
                _pending = false;
                _writer.Flush();
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _timer.Dispose();
            _writer.Flush();
            _writer.Dispose();
        }
    }
}
