using System.Net;
using System.Net.Http.Headers;

namespace LlmRouter.Proxy;

/// <summary>Replaces an upstream streaming body so YARP's own copier (with its flushing and cancellation) sends the translated events.</summary>
internal sealed class TranslatingStreamContent : HttpContent
{
    private readonly HttpContent _upstream;
    private readonly TranslatingStream _stream;

    /// <param name="upstream">The upstream content the stream reads (disposed with this content).</param>
    /// <param name="stream">The translated stream, already read up to its first token.</param>
    public TranslatingStreamContent(HttpContent upstream, TranslatingStream stream)
    {
        _upstream = upstream;
        _stream = stream;
        Headers.ContentType = new MediaTypeHeaderValue("text/event-stream") { CharSet = "utf-8" };
    }

    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) => Task.FromResult<Stream>(_stream);

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        => await _stream.CopyToAsync(stream, cancellationToken);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stream.Dispose();
            _upstream.Dispose();
        }

        base.Dispose(disposing);
    }
}
