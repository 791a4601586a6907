namespace LlmRouter.Limits;

/// <summary>
/// Group commit for admissions: while one script call is on its way to Redis, the admissions that arrive queue
/// up and go together in the next call (in arrival order, each still checked and reserved atomically by the
/// script). An idle gateway sends at once; a busy one sends fewer, larger calls, which is what costs the
/// gateway and Redis per request (a round trip, a script run, the socket calls on both sides).
/// </summary>
internal sealed class RedisAdmissionBatcher
{
    /// <summary>The most admissions in one script call (keeps one call short on the Redis server).</summary>
    public const int MaxBatch = 64;

    private readonly Func<IReadOnlyList<AdmissionRequest>, Task<AdmissionResult[]>> _send;
    private readonly Lock _lock = new();
    private List<Pending> _queue = new(MaxBatch);
    private bool _sending;

    public RedisAdmissionBatcher(Func<IReadOnlyList<AdmissionRequest>, Task<AdmissionResult[]>> send)
    {
        _send = send;
    }

    public Task<AdmissionResult> AdmitAsync(AdmissionRequest request)
    {
        // Completed off the Redis reader: the request's own continuation must not hold up the next batch.
        var pending = new Pending(request);
        bool start;
        lock (_lock)
        {
            _queue.Add(pending);
            start = !_sending;
            _sending = true;
        }

        if (start)
        {
            _ = SendAsync();
        }

        return pending.Task;
    }

    private async Task SendAsync()
    {
        while (true)
        {
            List<Pending> batch;
            lock (_lock)
            {
                if (_queue.Count == 0)
                {
                    _sending = false;
                    return;
                }

                if (_queue.Count <= MaxBatch)
                {
                    batch = _queue;
                    _queue = new List<Pending>(MaxBatch);
                }
                else
                {
                    batch = _queue.GetRange(0, MaxBatch);
                    _queue.RemoveRange(0, MaxBatch);
                }
            }

            try
            {
                var requests = new AdmissionRequest[batch.Count];
                for (var i = 0; i < batch.Count; i++)
                {
                    requests[i] = batch[i].Request;
                }

                var results = await _send(requests).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].TrySetResult(results[i]);
                }
            }
            catch (Exception ex)
            {
                foreach (var pending in batch)
                {
                    pending.TrySetException(ex);
                }
            }
        }
    }

    private sealed class Pending : TaskCompletionSource<AdmissionResult>
    {
        public Pending(AdmissionRequest request)
            : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            Request = request;
        }

        public AdmissionRequest Request { get; }
    }
}
