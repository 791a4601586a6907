using System.Buffers;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace LlmRouter.Simulator;

/// <summary>
/// A per-thread JSON buffer and writer, reused across responses and stream events so the zero-delay path allocates
/// almost nothing. Rent, write synchronously, then send: sending copies into the response pipe and returns the buffer
/// before awaiting the flush, so a buffer is never held across an await.
/// </summary>
internal sealed class ResponseBuffer
{
    /// <summary>Compact output; non-ASCII text stays readable (the body is JSON, never embedded in HTML).</summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
#if !DEBUG
        // The writers here are covered by shape tests; release builds skip the per-token structure checks.
        SkipValidation = true,
#endif
    };

    // Buffers that grew past this after an unusually large response are dropped rather than kept per thread.
    private const int MaxRetainedBytes = 256 * 1024;

    [ThreadStatic]
    private static ResponseBuffer? _cached;

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);

    private ResponseBuffer()
    {
        Writer = new Utf8JsonWriter(_buffer, WriterOptions);
    }

    public Utf8JsonWriter Writer { get; }

    public static ResponseBuffer Rent()
    {
        var buffer = _cached;
        if (buffer is null)
        {
            return new ResponseBuffer();
        }

        _cached = null;
        return buffer;
    }

    /// <summary>Starts an event stream: headers go out with the first event.</summary>
    public static void StartStream(HttpContext context, string contentType)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    /// <summary>Sends the written JSON as the whole body with a Content-Length.</summary>
    public ValueTask SendAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        Writer.Flush();
        response.ContentLength = _buffer.WrittenCount;
        var pipe = response.BodyWriter;
        pipe.Write(_buffer.WrittenSpan);
        Return();
        return AwaitFlush(pipe.FlushAsync(cancellationToken));
    }

    /// <summary>Sends the written JSON as one stream event between the given framing bytes, and flushes it.</summary>
    public ValueTask SendEventAsync(HttpResponse response, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> suffix, CancellationToken cancellationToken)
    {
        Writer.Flush();
        var pipe = response.BodyWriter;
        pipe.Write(prefix);
        pipe.Write(_buffer.WrittenSpan);
        pipe.Write(suffix);
        Return();
        return AwaitFlush(pipe.FlushAsync(cancellationToken));
    }

    /// <summary>Sends raw bytes (e.g. <c>data: [DONE]</c>) without JSON.</summary>
    public static ValueTask SendRawAsync(HttpResponse response, ReadOnlySpan<byte> bytes, CancellationToken cancellationToken)
    {
        var pipe = response.BodyWriter;
        pipe.Write(bytes);
        return AwaitFlush(pipe.FlushAsync(cancellationToken));
    }

    private static ValueTask AwaitFlush(ValueTask<FlushResult> flush)
    {
        if (flush.IsCompletedSuccessfully)
        {
            _ = flush.Result;
            return default;
        }

        return new ValueTask(flush.AsTask());
    }

    private void Return()
    {
        Writer.Reset();
        if (_buffer.Capacity > MaxRetainedBytes)
        {
            return;
        }

        _buffer.ResetWrittenCount();
        _cached = this;
    }
}
