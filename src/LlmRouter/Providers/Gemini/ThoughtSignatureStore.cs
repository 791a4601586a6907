using System.Collections.Concurrent;

namespace LlmRouter.Providers.Gemini;

/// <summary>
/// Remembers the <c>thoughtSignature</c> Gemini returned with each function call, keyed by the tool-call id the
/// gateway synthesised for it, so the signature can be sent back when the client replays that call in history.
/// Process-wide and bounded: once <see cref="Capacity"/> is exceeded the oldest entries are evicted (first in,
/// first out), which keeps memory flat without a lock. Ids are random, so one client cannot address another's entries.
/// </summary>
internal sealed class ThoughtSignatureStore
{
    public const int DefaultCapacity = 8192;

    private readonly ConcurrentDictionary<string, string> _signatures = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public ThoughtSignatureStore()
        : this(DefaultCapacity)
    {
    }

    public ThoughtSignatureStore(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count => _signatures.Count;

    public void Add(string toolCallId, string signature)
    {
        while (!_signatures.TryAdd(toolCallId, signature))
        {
            // Already present: replace in place (it keeps its place in the eviction order). If it was evicted
            // meanwhile, the update fails and the loop adds it afresh.
            if (_signatures.TryGetValue(toolCallId, out var current) && _signatures.TryUpdate(toolCallId, signature, current))
            {
                return;
            }
        }

        _order.Enqueue(toolCallId);

        // Concurrent adders may overshoot by a few entries for an instant; each one trims until the cap holds.
        while (_signatures.Count > Capacity && _order.TryDequeue(out var oldest))
        {
            _signatures.TryRemove(oldest, out _);
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
