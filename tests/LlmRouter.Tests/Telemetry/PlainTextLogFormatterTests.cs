using System.Globalization;
using LlmRouter.Telemetry;
using Serilog.Events;
using Serilog.Formatting.Display;
using Serilog.Parsing;

namespace LlmRouter.Tests.Telemetry;

public sealed class PlainTextLogFormatterTests
{
    private static readonly MessageTemplateTextFormatter Serilog = new(PlainTextLogFormatter.Template, CultureInfo.InvariantCulture);

    public static TheoryData<string> Templates() =>
    [
        "{RequestMethod} {RequestPath} {StatusCode} in {Elapsed:0.0} ms route={Route} policy={Policy} deployment={Deployment} attempts={Attempts} key={Key}",
        "Flag {Flag}, nothing {Nothing}, ratio {Ratio}, when {When}, list {List}, shape {Shape}, missing {Missing}",
        "Aligned {Route,10} falls back",
        "Positional {0} falls back",
        "No properties at all",
    ];

    [Theory]
    [MemberData(nameof(Templates))]
    public void Format_WritesWhatSerilogsTemplateFormatterWrites(string template)
    {
        var logEvent = new LogEvent(new DateTimeOffset(2026, 12, 2, 9, 8, 7, TimeSpan.Zero), LogEventLevel.Information, null,
            new MessageTemplateParser().Parse(template), Properties());

        Assert.Equal(Render(Serilog, logEvent), Render(new PlainTextLogFormatter(), logEvent));
    }

    [Theory]
    [InlineData(LogEventLevel.Verbose)]
    [InlineData(LogEventLevel.Debug)]
    [InlineData(LogEventLevel.Warning)]
    [InlineData(LogEventLevel.Error)]
    [InlineData(LogEventLevel.Fatal)]
    public void Format_LevelsAndExceptions_AsSerilogWritesThem(LogEventLevel level)
    {
        var logEvent = new LogEvent(DateTimeOffset.UtcNow, level, new InvalidOperationException("broken"),
            new MessageTemplateParser().Parse("Failed for {Route}"), [new LogEventProperty("Route", new ScalarValue("gpt-4"))]);

        Assert.Equal(Render(Serilog, logEvent), Render(new PlainTextLogFormatter(), logEvent));
    }

    private static IEnumerable<LogEventProperty> Properties() =>
    [
        new("SourceContext", new ScalarValue("LlmRouter.Hosting.RequestLogMiddleware")),
        new("RequestMethod", new ScalarValue("POST")),
        new("RequestPath", new ScalarValue("/v1/chat/completions")),
        new("StatusCode", new ScalarValue(200)),
        new("Elapsed", new ScalarValue(12.345)),
        new("Route", new ScalarValue("gpt-4")),
        new("Policy", new ScalarValue("RoundRobin")),
        new("Deployment", new ScalarValue(null)),
        new("Attempts", new ScalarValue(2)),
        new("Key", new ScalarValue("team-a \"quoted\"")),
        new("Flag", new ScalarValue(true)),
        new("Nothing", new ScalarValue(null)),
        new("Ratio", new ScalarValue(0.1)),
        new("When", new ScalarValue(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero))),
        new("List", new SequenceValue([new ScalarValue(1), new ScalarValue("a")])),
        new("Shape", new StructureValue([new LogEventProperty("X", new ScalarValue(1))])),
        new("0", new ScalarValue("first")),
    ];

    private static string Render(Serilog.Formatting.ITextFormatter formatter, LogEvent logEvent)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        formatter.Format(logEvent, output);
        return output.ToString();
    }
}
