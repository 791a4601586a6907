using System.IO.Hashing;
using System.Text;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Routing.Policies;

/// <summary>
/// A consistent-hash ring with virtual nodes for one destination list. Point positions depend only on destination
/// ids, so two gateway instances with the same configuration map every key the same way, and adding or removing one
/// of n deployments moves about 1/n of the keys.
/// </summary>
internal sealed class HashRing
{
    /// <summary>Points per destination (Kong's ketama default): spreads keys within a few percent.</summary>
    public const int VirtualNodes = 160;

    private readonly DestinationState[] _destinations;
    private readonly ulong[] _points;
    private readonly int[] _owners;

    private HashRing(DestinationState[] destinations, ulong[] points, int[] owners)
    {
        _destinations = destinations;
        _points = points;
        _owners = owners;
    }

    public int PointCount => _points.Length;

    public bool Matches(IReadOnlyList<DestinationState> destinations)
    {
        if (destinations.Count != _destinations.Length)
        {
            return false;
        }

        for (var i = 0; i < _destinations.Length; i++)
        {
            if (!ReferenceEquals(destinations[i], _destinations[i]))
            {
                return false;
            }
        }

        return true;
    }

    public static HashRing Build(IReadOnlyList<DestinationState> destinations)
    {
        var snapshot = new DestinationState[destinations.Count];
        var points = new ulong[destinations.Count * VirtualNodes];
        var owners = new int[points.Length];
        var buffer = new byte[1024];
        for (var d = 0; d < snapshot.Length; d++)
        {
            snapshot[d] = destinations[d];
            var id = destinations[d].DestinationId;
            for (var v = 0; v < VirtualNodes; v++)
            {
                var label = string.Concat(id, "#", v.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var length = Encoding.UTF8.GetByteCount(label);
                if (length > buffer.Length)
                {
                    buffer = new byte[length];
                }

                Encoding.UTF8.GetBytes(label, buffer);
                points[(d * VirtualNodes) + v] = XxHash3.HashToUInt64(buffer.AsSpan(0, length));
                owners[(d * VirtualNodes) + v] = d;
            }
        }

        Array.Sort(points, owners);
        return new HashRing(snapshot, points, owners);
    }

    /// <summary>Index of the first ring point at or after <paramref name="key"/> (wrapping).</summary>
    public int Locate(ulong key)
    {
        var index = Array.BinarySearch(_points, key);
        if (index < 0)
        {
            index = ~index;
        }

        return index == _points.Length ? 0 : index;
    }

    /// <summary>The destination index owning the point <paramref name="step"/> places after <paramref name="start"/>.</summary>
    public int OwnerAt(int start, int step) => _owners[(start + step) % _owners.Length];
}
