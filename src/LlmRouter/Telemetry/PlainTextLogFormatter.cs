using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;
using Serilog.Formatting.Json;
using Serilog.Parsing;

namespace LlmRouter.Telemetry;

/// <summary>
/// The console's text format, <c>[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}</c>,
/// written without the intermediate strings of Serilog's general template formatter: at the shipped Information level
/// every request writes one line, and formatting it was most of what the request log cost. Output is identical to
/// <see cref="MessageTemplateTextFormatter"/> with that template; events it does not special-case (aligned tokens,
/// positional templates) go through that formatter.
/// </summary>
internal sealed class PlainTextLogFormatter : ITextFormatter
{
    public const string Template = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    private static readonly MessageTemplateTextFormatter Fallback = new(Template, CultureInfo.InvariantCulture);
    private static readonly JsonValueFormatter Json = new(typeTagName: null);

    public void Format(LogEvent logEvent, TextWriter output)
    {
        if (!CanWrite(logEvent.MessageTemplate))
        {
            Fallback.Format(logEvent, output);
            return;
        }

        Span<char> buffer = stackalloc char[64];
        output.Write('[');
        logEvent.Timestamp.TryFormat(buffer, out var written, "HH:mm:ss", CultureInfo.InvariantCulture);
        output.Write(buffer[..written]);
        output.Write(' ');
        output.Write(LevelCode(logEvent.Level));
        output.Write("] ");
        if (logEvent.Properties.TryGetValue("SourceContext", out var source))
        {
            // Outside the message Serilog's output template writes strings as they are.
            if (source is ScalarValue { Value: string context })
            {
                output.Write(context);
            }
            else
            {
                source.Render(output, null, CultureInfo.InvariantCulture);
            }
        }

        output.Write(": ");
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is TextToken text)
            {
                output.Write(text.Text);
            }
            else if (token is PropertyToken property)
            {
                if (logEvent.Properties.TryGetValue(property.PropertyName, out var value))
                {
                    WriteLiteralJson(value, property.Format, output, buffer);
                }
                else
                {
                    output.Write(property.ToString());
                }
            }
        }

        output.WriteLine();
        if (logEvent.Exception is { } exception)
        {
            output.WriteLine(exception.ToString());
        }
    }

    // {Message:lj}: strings as they are, formatted values with their format, everything else as JSON.
    private static void WriteLiteralJson(LogEventPropertyValue value, string? format, TextWriter output, Span<char> buffer)
    {
        if (value is ScalarValue { Value: string text })
        {
            output.Write(text);
        }
        else if (format is not null)
        {
            value.Render(output, format, CultureInfo.InvariantCulture);
        }
        else if (value is ScalarValue { Value: int or long or short or byte or uint or ulong } number
            && ((ISpanFormattable)number.Value).TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture))
        {
            output.Write(buffer[..written]);
        }
        else if (value is ScalarValue { Value: bool flag })
        {
            output.Write(flag ? "true" : "false");
        }
        else if (value is ScalarValue { Value: null })
        {
            output.Write("null");
        }
        else
        {
            Json.Format(value, output);
        }
    }

    private static bool CanWrite(MessageTemplate template)
    {
        foreach (var token in template.Tokens)
        {
            if (token is PropertyToken { Alignment: not null } or PropertyToken { IsPositional: true })
            {
                return false;
            }
        }

        return true;
    }

    private static string LevelCode(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "VRB",
        LogEventLevel.Debug => "DBG",
        LogEventLevel.Information => "INF",
        LogEventLevel.Warning => "WRN",
        LogEventLevel.Error => "ERR",
        _ => "FTL",
    };
}
