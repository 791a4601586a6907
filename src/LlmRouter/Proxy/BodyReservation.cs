namespace LlmRouter.Proxy;

/// <summary>One request's share of the <see cref="RequestBodyBudget"/>; grows as the body arrives, released on dispose.</summary>
internal sealed class BodyReservation : IDisposable
{
    private readonly RequestBodyBudget _budget;
    private readonly long _limit;
    private long _bytes;

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

    public void Dispose()
    {
        _budget.Release(_bytes);
        _bytes = 0;
    }
}
