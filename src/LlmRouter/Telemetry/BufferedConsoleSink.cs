using System.Globalization;
using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace LlmRouter.Telemetry;

/// <summary>
/// Console output when stdout is redirected (a container's log, a file, a pipe): events are formatted into a
/// buffer and written to the console in batches — when the buffer fills, or <see cref="FlushInterval"/> after the
/// first unwritten event. Serilog's console sink flushes every event, one write system call per request line, which
/// cost the shipped gateway about a tenth of its throughput at Information level. It runs behind the bounded
/// log queue, so only that queue's worker writes here; the lock is for the flush timer and disposal.
/// </summary>
internal sealed class BufferedConsoleSink : ILogEventSink, IDisposable
{
    /// <summary>The longest an event waits in the buffer before it is written.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(50);

    private const int BufferChars = 32 * 1024;

    private readonly ITextFormatter _formatter;
    private readonly Func<TextWriter> _console;
    private readonly StringBuilder _text = new(BufferChars);
    private readonly StringWriter _buffer;
    private readonly Timer _timer;
    private readonly Lock _lock = new();
    private bool _disposed;

    public BufferedConsoleSink(ITextFormatter formatter)
        : this(formatter, static () => Console.Out)
    {
    }

    /// <param name="formatter">How an event becomes text.</param>
    /// <param name="console">Where batches go; read at each write so a replaced <see cref="Console.Out"/> counts.</param>
    internal BufferedConsoleSink(ITextFormatter formatter, Func<TextWriter> console)
    {
        _formatter = formatter;
        _console = console;
        _buffer = new StringWriter(_text, CultureInfo.InvariantCulture);
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

            var wasEmpty = _text.Length == 0;
            _formatter.Format(logEvent, _buffer);
            if (_text.Length >= BufferChars)
            {
                WriteBuffered();
            }
            else if (wasEmpty)
            {
                _timer.Change(FlushInterval, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>Writes what is buffered.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                WriteBuffered();
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

            WriteBuffered();
            _disposed = true;
            _timer.Dispose();
        }
    }

    private void WriteBuffered()
    {
        if (_text.Length == 0)
        {
            return;
        }

        var console = _console();
        foreach (var chunk in _text.GetChunks())
        {
            console.Write(chunk.Span);
        }

        console.Flush();
        _text.Clear();
    }
}
