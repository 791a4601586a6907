using System.Net;
using System.Net.Http.Headers;
using LlmRouter.Providers;
using LlmRouter.Resilience;

namespace LlmRouter.Proxy;

/// <summary>Replaces an upstream streaming body so YARP's own copier (with its flushing and cancellation) sends the translated events.</summary>
internal sealed class TranslatingStreamContent : HttpContent
{
    private readonly HttpContent _upstream;
    private readonly IStreamTranslator _translator;
    private readonly StreamLimits _limits;
    private readonly Action<StreamResult> _onCompleted;

    public TranslatingStreamContent(HttpContent upstream, IStreamTranslator translator, StreamLimits limits, Action<StreamResult> onCompleted)
    {
        _upstream = upstream;
        _translator = translator;
        _limits = limits;
        _onCompleted = onCompleted;
        Headers.ContentType = new MediaTypeHeaderValue("text/event-stream") { CharSet = "utf-8" };
    }

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken)
        => new TranslatingStream(await _upstream.ReadAsStreamAsync(cancellationToken), _translator, _limits, _onCompleted);

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await using var source = await CreateContentReadStreamAsync(cancellationToken);
        await source.CopyToAsync(stream, cancellationToken);
    }

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
            _upstream.Dispose();
        }

        base.Dispose(disposing);
    }
}
