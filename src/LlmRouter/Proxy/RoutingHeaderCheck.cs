using LlmRouter.Chat;
using LlmRouter.Configuration;
using LlmRouter.Routing.Policies;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Proxy;

/// <summary>
/// Bounds the client-chosen values the policies read from headers before any of them is used, echoed in a response
/// header or logged: the category is a short token, the priority and hash keys are short printable ASCII.
/// </summary>
internal static class RoutingHeaderCheck
{
    /// <summary>Longest priority (<c>accuracy=0.7,cost=0.3</c>) or hash-key header value accepted.</summary>
    public const int MaxValueLength = 256;

    /// <summary>The exception to answer with, or null when every routing header the route reads is acceptable.</summary>
    public static InvalidRequestException? Problem(HttpRequest request, RouteOptions route)
    {
        var headers = request.Headers;
        foreach (var value in headers[RoutingRequestHeaders.Category])
        {
            if (!CategoryName.IsAcceptable(value))
            {
                return Refuse(RoutingRequestHeaders.Category,
                    $"expected at most {CategoryName.MaxLength} characters of letters, digits and '.', '_', ':', '-'.");
            }
        }

        if (!IsBoundedAscii(headers[RoutingRequestHeaders.Priority]))
        {
            return Refuse(RoutingRequestHeaders.Priority, $"expected at most {MaxValueLength} printable ASCII characters.");
        }

        foreach (var source in HashKeySource.ForRoute(route))
        {
            if (source.HeaderName is { } name && !IsBoundedAscii(headers[name]))
            {
                return Refuse(name, $"expected at most {MaxValueLength} printable ASCII characters.");
            }
        }

        return null;
    }

    private static bool IsBoundedAscii(Microsoft.Extensions.Primitives.StringValues values)
    {
        foreach (var value in values)
        {
            if (value is not null && !HeaderValues.IsPrintableAscii(value, MaxValueLength))
            {
                return false;
            }
        }

        return true;
    }

    private static InvalidRequestException Refuse(string header, string expected)
        => new($"Invalid header '{header}': {expected}", header, "invalid_header");
}
