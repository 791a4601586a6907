using System.Diagnostics.CodeAnalysis;
using LlmRouter.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace LlmRouter.Hosting;

/// <summary>
/// Names the replica that answered on every response (<c>x-llmrouter-instance</c>), so a request through a load
/// balancer can be traced to one process. The name is fixed at start: a reload does not rename a running replica.
/// </summary>
internal sealed class InstanceHeaderMiddleware
{
    public const string HeaderName = "x-llmrouter-instance";

    /// <summary>Longest accepted <c>LlmRouter:InstanceName</c>.</summary>
    public const int MaxNameLength = 64;

    private readonly RequestDelegate _next;
    private readonly StringValues _name;
    private readonly Func<object, Task> _addHeader;

    public InstanceHeaderMiddleware(RequestDelegate next, IOptions<LlmRouterOptions> options)
    {
        _next = next;
        _name = new StringValues(Resolve(options.Value.InstanceName, Environment.MachineName, Environment.ProcessId));
        _addHeader = AddHeader;
    }

    public Task InvokeAsync(HttpContext context)
    {
        // At response start rather than now: the exception handler clears headers before it writes an error.
        context.Response.OnStarting(_addHeader, context);
        return _next(context);
    }

    /// <summary>The configured name, else <c>{machine}-{pid}</c> with the machine name reduced to allowed characters.</summary>
    public static string Resolve(string? configured, string machineName, int processId)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        var suffix = "-" + processId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var machine = string.Create(machineName.Length, machineName, static (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = IsAllowed(source[i]) ? source[i] : '-';
            }
        });
        var room = MaxNameLength - suffix.Length;
        return (machine.Length > room ? machine[..room] : machine) + suffix;
    }

    /// <summary>True when <paramref name="name"/> is 1–64 characters of <c>[A-Za-z0-9._-]</c> (safe in a header and a metric label).</summary>
    public static bool IsValidName([NotNullWhen(true)] string? name)
        => name is { Length: > 0 and <= MaxNameLength } && name.All(IsAllowed);

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';

    private Task AddHeader(object state)
    {
        ((HttpContext)state).Response.Headers[HeaderName] = _name;
        return Task.CompletedTask;
    }
}
