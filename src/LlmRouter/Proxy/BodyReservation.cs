using LlmRouter.Chat;
namespace LlmRouter.Proxy;

/// <summary>
/// One request's share of the <see cref="RequestBodyBudget"/>; grows as the body arrives, released on dispose. It
/// also holds the array the body is kept in (see <see cref="BodyBuffers"/>), given back on dispose (when the response has ended).
/// </summary>
internal sealed class BodyReservation : IDisposable
{
    private readonly RequestBodyBudget _budget;
    private readonly long _limit;
    private long _bytes;
    private byte[]? _body;

    public BodyReservation(RequestBodyBudget budget, long limit)
    {
        _budget = budget;
        _limit = limit;
    }

    /// <summary>Makes the reservation at least <paramref name="total"/> bytes; false when the budget cannot cover it.</summary>
    public bool TryGrowTo(long total)
    {
        if (total <= _bytes)
        {
            return true;
        }

        if (!_budget.TryReserve(total - _bytes, _limit))
        {
            return false;
        }

        _bytes = total;
        return true;
    }

    /// <summary>An array (pooled when small) of at least <paramref name="length"/> bytes for the body, held until dispose.</summary>
    public byte[] RentBody(int length)
    {
        ObjectDisposedException.ThrowIf(_body is not null, this);
        _body = BodyBuffers.Rent(length);
        return _body;
    }

    public void Dispose()
    {
        _budget.Release(_bytes);
        _bytes = 0;
        if (Interlocked.Exchange(ref _body, null) is { } body)
        {
            BodyBuffers.Return(body);
        }
    }
}
