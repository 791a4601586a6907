using System.Diagnostics;
using LlmRouter.Telemetry;
using Serilog.Events;
using Serilog.Formatting.Display;
using Serilog.Parsing;

namespace LlmRouter.Tests.Telemetry;

public sealed class BufferedConsoleSinkTests
{
    private static readonly MessageTemplateTextFormatter Formatter = new("{Message}{NewLine}");

    [Fact]
    public async Task Emit_WritesTheBatchWithinTheFlushInterval()
    {
        var console = new StringWriter();
        using var sink = new BufferedConsoleSink(Formatter, () => console);

        sink.Emit(Event("first"));
        sink.Emit(Event("second"));

        var waited = Stopwatch.StartNew();
        while (!console.ToString().Contains("second", StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(10);
        }

        Assert.Equal($"first{Environment.NewLine}second{Environment.NewLine}", console.ToString());
    }

    [Fact]
    public void Emit_FullBuffer_IsWrittenAtOnce()
    {
        var console = new StringWriter();
        using var sink = new BufferedConsoleSink(Formatter, () => console);
        var line = new string('x', 1000);

        for (var i = 0; i < 40; i++)
        {
            sink.Emit(Event(line));
        }

        // 40,000 characters passed the 32 KiB buffer: written without waiting for the timer.
        Assert.True(console.ToString().Length >= 32 * 1024, $"{console.ToString().Length} characters written");
    }

    [Fact]
    public void Dispose_WritesWhatIsBufferedAndLaterEventsAreDropped()
    {
        var console = new StringWriter();
        var sink = new BufferedConsoleSink(Formatter, () => console);
        sink.Emit(Event("last words"));

        sink.Dispose();
        sink.Emit(Event("after the end"));

        Assert.Equal($"last words{Environment.NewLine}", console.ToString());
    }

    private static LogEvent Event(string text)
        => new(DateTimeOffset.UtcNow, LogEventLevel.Information, null, new MessageTemplateParser().Parse(text), []);
}
