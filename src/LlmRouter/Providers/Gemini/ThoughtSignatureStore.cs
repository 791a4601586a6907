using System.Collections.Concurrent;

namespace LlmRouter.Providers.Gemini;

/// <summary>
/// Remembers the <c>thoughtSignature</c> Gemini returned with each function call, keyed by the tool-call id the
/// gateway synthesised for it, so the signature can be sent back when the client replays that call in history.
/// Process-wide and bounded in entries and in characters (signatures are upstream-controlled and can be large): once
/// <see cref="Capacity"/> or <see cref="MaxTotalChars"/> is exceeded the oldest entries are evicted (first in, first out),
/// which keeps memory flat without a lock. Ids are random, so one client cannot address another's entries.
/// </summary>
internal sealed class ThoughtSignatureStore
{
    public const int DefaultCapacity = 8192;

    /// <summary>Characters of ids and signatures held at most by default (64 MB of UTF-16).</summary>
    public const long DefaultMaxTotalChars = 32L * 1024 * 1024;

    private readonly ConcurrentDictionary<string, string> _signatures = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private long _totalChars;

    public ThoughtSignatureStore()
        : this(DefaultCapacity)
    {
    }

    public ThoughtSignatureStore(int capacity, long maxTotalChars = DefaultMaxTotalChars)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTotalChars, 1);
        Capacity = capacity;
        MaxTotalChars = maxTotalChars;
    }

    public int Capacity { get; }

    public long MaxTotalChars { get; }

    /// <summary>Characters of ids and signatures currently held.</summary>
    public long TotalChars => Interlocked.Read(ref _totalChars);

    public int Count => _signatures.Count;

    public void Add(string toolCallId, string signature)
    {
        if (toolCallId.Length + signature.Length > MaxTotalChars)
        {
            // Could never fit: storing it would only evict everything else.
            return;
        }

        while (!_signatures.TryAdd(toolCallId, signature))
        {
            // Already present: replace in place (it keeps its place in the eviction order). If it was evicted
            // meanwhile, the update fails and the loop adds it afresh.
            if (_signatures.TryGetValue(toolCallId, out var current) && _signatures.TryUpdate(toolCallId, signature, current))
            {
                Interlocked.Add(ref _totalChars, signature.Length - current.Length);
                Trim();
                return;
            }
        }

        Interlocked.Add(ref _totalChars, toolCallId.Length + signature.Length);
        _order.Enqueue(toolCallId);
        Trim();
    }

    // Concurrent adders may overshoot by a few entries for an instant; each one trims until both caps hold.
    private void Trim()
    {
        while ((_signatures.Count > Capacity || Interlocked.Read(ref _totalChars) > MaxTotalChars) && _order.TryDequeue(out var oldest))
        {
            if (_signatures.TryRemove(oldest, out var removed))
            {
                Interlocked.Add(ref _totalChars, -(oldest.Length + removed.Length));
            }
        }
    }

    public bool TryGet(string toolCallId, out string signature)
    {
        if (_signatures.TryGetValue(toolCallId, out var found))
        {
            signature = found;
            return true;
        }

        signature = string.Empty;
        return false;
    }
}
