using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Serilog.Events;
using Serilog.Parsing;

namespace LlmRouter.Tests.Telemetry;

public sealed class JsonLogFormatTests
{
    [Fact]
    public void Format_EventWithTraceContext_WritesOneJsonLineWithTraceAndSpanIds()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var spanId = ActivitySpanId.CreateRandom();
        var template = new MessageTemplateParser().Parse("{RequestPath} {StatusCode} route={Route}");
        var logEvent = new LogEvent(DateTimeOffset.UtcNow, LogEventLevel.Information, null, template,
            [
                new LogEventProperty("RequestPath", new ScalarValue("/v1/chat/completions")),
                new LogEventProperty("StatusCode", new ScalarValue(200)),
                new LogEventProperty("Route", new ScalarValue("auto")),
            ],
            traceId, spanId);
        using var writer = new StringWriter(CultureInfo.InvariantCulture);

        LlmRouterLoggingExtensions.CreateJsonFormatter().Format(logEvent, writer);

        var text = writer.ToString();
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal(traceId.ToHexString(), root.GetProperty("@tr").GetString());
        Assert.Equal(spanId.ToHexString(), root.GetProperty("@sp").GetString());
        Assert.Equal("\"/v1/chat/completions\" 200 route=\"auto\"", root.GetProperty("@m").GetString());
        Assert.Equal("auto", root.GetProperty("Route").GetString());
        Assert.Equal(200, root.GetProperty("StatusCode").GetInt32());
    }
}
