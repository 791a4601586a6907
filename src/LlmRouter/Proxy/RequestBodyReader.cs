using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Proxy;

/// <summary>
/// Reads a request body into one array (pooled when small) held by the request's <see cref="BodyReservation"/> (returned when the
/// response ends), refusing bodies over the configured limit or the memory budget.
/// </summary>
internal static class RequestBodyReader
{
    /// <summary>
    /// Returns the body; null with <c>OverBudget</c> false when it exceeds <paramref name="limit"/> bytes, null with
    /// <c>OverBudget</c> true when <paramref name="reservation"/> could not cover the bytes held.
    /// </summary>
    public static async ValueTask<(ReadOnlyMemory<byte>? Body, bool OverBudget)> ReadAsync(HttpRequest request, int limit, BodyReservation reservation, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return (null, false);
        }

        // A declared length is reserved up front, so a burst of large bodies is refused before any is read.
        if (request.ContentLength is { } declared && !reservation.TryGrowTo(declared))
        {
            return (null, true);
        }

        PipeReader reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                return (null, false);
            }

            if (!reservation.TryGrowTo(buffer.Length))
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                return (null, true);
            }

            if (result.IsCompleted)
            {
                var length = (int)buffer.Length;
                var body = reservation.RentBody(length);
                buffer.CopyTo(body);
                reader.AdvanceTo(buffer.End);
                return (body.AsMemory(0, length), false);
            }

            // Nothing consumed until the whole body is here.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
