namespace LlmRouter.Proxy;

/// <summary>
/// Request-body bytes held in memory across all requests at once (<c>LlmRouter:Limits:MaxBufferedRequestBytes</c>).
/// Each request reserves its body as it arrives and gives it back when the response ends, so many large concurrent
/// bodies are refused (503 with Retry-After) instead of growing the process without bound.
/// </summary>
internal sealed class RequestBodyBudget
{
    private long _reserved;

    /// <summary>Bytes currently reserved.</summary>
    public long Reserved => Volatile.Read(ref _reserved);

    public bool TryReserve(long bytes, long limit)
    {
        if (Interlocked.Add(ref _reserved, bytes) <= limit)
        {
            return true;
        }

        Interlocked.Add(ref _reserved, -bytes);
        return false;
    }

    public void Release(long bytes) => Interlocked.Add(ref _reserved, -bytes);
}
