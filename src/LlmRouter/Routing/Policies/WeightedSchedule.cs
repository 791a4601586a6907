using Yarp.ReverseProxy.Model;

namespace LlmRouter.Routing.Policies;

/// <summary>
/// One period of nginx's smooth weighted round-robin for a fixed destination list and weights, precomputed so a
/// pick is one atomic increment and an array read: exact proportions over every window of sum(weights) picks,
/// interleaved (5/1/1 gives A A B A C A A, not A A A A A B C), and lock-free under concurrency.
/// </summary>
internal sealed class WeightedSchedule
{
    // Weights are reduced by their GCD; a larger period is scaled down so the table stays small.
    private const int MaxPeriod = 4096;

    private readonly DestinationState[] _destinations;
    private readonly int[] _weights;
    private long _ticket;

    private WeightedSchedule(DestinationState[] destinations, int[] weights, int[] sequence)
    {
        _destinations = destinations;
        _weights = weights;
        Sequence = sequence;
    }

    /// <summary>Indexes into the destination list, one period long; empty when every weight is 0.</summary>
    public int[] Sequence { get; }

    public int Weight(int index) => _weights[index];

    public long NextTicket() => Interlocked.Increment(ref _ticket) - 1;

    /// <summary>True when the list holds the same destinations in the same order with the same weights.</summary>
    public bool Matches(ChatRoutingFeature? feature, IReadOnlyList<DestinationState> destinations)
    {
        if (destinations.Count != _destinations.Length)
        {
            return false;
        }

        for (var i = 0; i < _destinations.Length; i++)
        {
            var destination = destinations[i];
            if (!ReferenceEquals(destination, _destinations[i]) || DeploymentProfiles.Get(feature, destination).Weight != _weights[i])
            {
                return false;
            }
        }

        return true;
    }

    public static WeightedSchedule Build(ChatRoutingFeature? feature, IReadOnlyList<DestinationState> destinations)
    {
        var count = destinations.Count;
        var snapshot = new DestinationState[count];
        var weights = new int[count];
        long total = 0;
        var gcd = 0;
        for (var i = 0; i < count; i++)
        {
            snapshot[i] = destinations[i];
            weights[i] = Math.Max(0, DeploymentProfiles.Get(feature, destinations[i]).Weight);
            total += weights[i];
            gcd = Gcd(gcd, weights[i]);
        }

        if (total == 0)
        {
            return new WeightedSchedule(snapshot, weights, []);
        }

        var reduced = new long[count];
        total = 0;
        for (var i = 0; i < count; i++)
        {
            reduced[i] = weights[i] / gcd;
            total += reduced[i];
        }

        if (total > MaxPeriod)
        {
            var scaledTotal = 0L;
            for (var i = 0; i < count; i++)
            {
                reduced[i] = reduced[i] == 0 ? 0 : Math.Max(1, reduced[i] * MaxPeriod / total);
                scaledTotal += reduced[i];
            }

            total = scaledTotal;
        }

        // nginx: every round each peer gains its weight, the richest is chosen and pays the total.
        var sequence = new int[total];
        var current = new long[count];
        for (var step = 0; step < sequence.Length; step++)
        {
            var best = -1;
            for (var i = 0; i < count; i++)
            {
                if (reduced[i] == 0)
                {
                    continue;
                }

                current[i] += reduced[i];
                if (best < 0 || current[i] > current[best])
                {
                    best = i;
                }
            }

            current[best] -= total;
            sequence[step] = best;
        }

        return new WeightedSchedule(snapshot, weights, sequence);
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
