using System.Globalization;

namespace LlmRouter.Routing.Policies;

/// <summary>
/// A request's priority over profile dimensions, normalised to sum to 1: a single dimension name (<c>accuracy</c>)
/// or weights (<c>accuracy=0.7,cost=0.3</c>). <see cref="Equal"/> weighs every declared dimension of a profile alike.
/// </summary>
internal sealed class PriorityWeights
{
    public static readonly PriorityWeights Equal = new([], [], "equal weights");

    private PriorityWeights(string[] dimensions, double[] weights, string description)
    {
        Dimensions = dimensions;
        Weights = weights;
        Description = description;
    }

    public string[] Dimensions { get; }

    public double[] Weights { get; }

    public string Description { get; }

    public bool IsEqual => Dimensions.Length == 0;

    /// <summary>Weight of a dimension (0 when absent); under <see cref="Equal"/> every dimension counts the same.</summary>
    public double WeightOf(string dimension)
    {
        for (var i = 0; i < Dimensions.Length; i++)
        {
            if (string.Equals(Dimensions[i], dimension, StringComparison.OrdinalIgnoreCase))
            {
                return Weights[i];
            }
        }

        return 0;
    }

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PriorityWeights? priority)
    {
        priority = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var dimensions = new List<string>();
        var weights = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = (equals < 0 ? part : part[..equals]).Trim();
            var weight = 1.0;
            if (equals >= 0 && !double.TryParse(part.AsSpan(equals + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out weight))
            {
                return false;
            }

            if (name.Length == 0 || !IsName(name) || weight < 0 || double.IsNaN(weight) || double.IsInfinity(weight))
            {
                return false;
            }

            var existing = dimensions.FindIndex(d => string.Equals(d, name, StringComparison.OrdinalIgnoreCase));
            if (existing >= 0)
            {
                weights[existing] += weight;
            }
            else
            {
                dimensions.Add(name.ToLowerInvariant());
                weights.Add(weight);
            }
        }

        var total = 0.0;
        foreach (var weight in weights)
        {
            total += weight;
        }

        if (dimensions.Count == 0 || total <= 0)
        {
            return false;
        }

        var normalised = new double[weights.Count];
        var description = new List<string>(weights.Count);
        for (var i = 0; i < normalised.Length; i++)
        {
            normalised[i] = weights[i] / total;
            description.Add(string.Create(CultureInfo.InvariantCulture, $"{dimensions[i]}={normalised[i]:0.###}"));
        }

        priority = new PriorityWeights([.. dimensions], normalised, string.Join(",", description));
        return true;
    }

    private static bool IsName(string name)
    {
        foreach (var c in name)
        {
            if (!char.IsLetterOrDigit(c) && c is not ('_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
