using System.Collections.Frozen;

namespace LlmRouter.Routing.Policies;

/// <summary>
/// What the policies need to know about one deployment, parsed once per configuration snapshot so a pick
/// never parses strings: weight, capability scores (0-100) and specializations.
/// </summary>
internal sealed class DeploymentProfile
{
    /// <summary>Score assumed for a dimension a deployment does not declare: neither an advantage nor a penalty.</summary>
    public const double NeutralScore = 50;

    public static readonly DeploymentProfile Default = new(1, FrozenDictionary<string, double>.Empty, []);

    public DeploymentProfile(int weight, FrozenDictionary<string, double> scores, string[] specializations)
    {
        Weight = weight;
        Scores = scores;
        Specializations = specializations;
        if (scores.Count > 0)
        {
            var sum = 0.0;
            foreach (var score in scores.Values)
            {
                sum += score;
            }

            MeanScore = sum / scores.Count;
        }
        else
        {
            MeanScore = NeutralScore;
        }
    }

    public int Weight { get; }

    /// <summary>Capability scores by dimension (case-insensitive), including a derived <c>cost</c> score when pricing is known.</summary>
    public FrozenDictionary<string, double> Scores { get; }

    public string[] Specializations { get; }

    /// <summary>The profile under equal weights: the mean of its scores.</summary>
    public double MeanScore { get; }

    public double Score(string dimension) => Scores.TryGetValue(dimension, out var score) ? score : NeutralScore;

    public bool Specializes(string category)
    {
        foreach (var specialization in Specializations)
        {
            if (string.Equals(specialization, category, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
