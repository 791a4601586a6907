using System.Collections.Frozen;
using System.Globalization;
using System.Runtime.CompilerServices;
using LlmRouter.Configuration;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Routing.Policies;

/// <summary>
/// Resolves a destination's <see cref="DeploymentProfile"/>: from the LlmRouter catalog when the request carries a
/// <see cref="ChatRoutingFeature"/>, else from the destination's YARP metadata (<c>Weight</c>, <c>Profile.&lt;dimension&gt;</c>,
/// <c>Specializations</c>) so the policies also work in plain YARP clusters. Both are cached per immutable
/// configuration object, so a configuration reload yields fresh profiles and picks only do dictionary lookups.
/// </summary>
internal static class DeploymentProfiles
{
    /// <summary>The profile dimension derived from pricing when a deployment does not declare it.</summary>
    public const string CostDimension = "cost";

    /// <summary>Each doubling of price relative to the cheapest deployment costs this many points of the cost score.</summary>
    private const double PointsPerPriceDoubling = 25;

    private static readonly ConditionalWeakTable<RouterCatalog, FrozenDictionary<string, DeploymentProfile>> ByCatalog = new();
    private static readonly ConditionalWeakTable<DestinationConfig, DeploymentProfile> ByDestinationConfig = new();

    public static DeploymentProfile Get(ChatRoutingFeature? feature, DestinationState destination)
    {
        if (feature is not null
            && ByCatalog.GetValue(feature.Catalog, static catalog => FromCatalog(catalog)).TryGetValue(destination.DestinationId, out var profile))
        {
            return profile;
        }

        var config = destination.Model?.Config;
        return config is null
            ? DeploymentProfile.Default
            : ByDestinationConfig.GetValue(config, static c => FromMetadata(c.Metadata));
    }

    /// <summary>
    /// Builds every deployment's profile for one catalog. A deployment whose profile lacks <c>cost</c> but has pricing gets
    /// a derived cost score: 100 for the cheapest priced deployment in the catalog, minus 25 points per doubling of the
    /// blended (input + output) price, floored at 0. Unpriced deployments get no cost score (neutral when asked for).
    /// </summary>
    internal static FrozenDictionary<string, DeploymentProfile> FromCatalog(RouterCatalog catalog)
    {
        var cheapest = double.MaxValue;
        foreach (var deployment in catalog.Deployments.Values)
        {
            var price = BlendedPrice(deployment.Options.Pricing);
            if (price > 0 && price < cheapest)
            {
                cheapest = price;
            }
        }

        var profiles = new Dictionary<string, DeploymentProfile>(StringComparer.Ordinal);
        foreach (var (id, deployment) in catalog.Deployments)
        {
            var options = deployment.Options;
            var scores = new Dictionary<string, double>(options.Profile, StringComparer.OrdinalIgnoreCase);
            var price = BlendedPrice(options.Pricing);
            if (!scores.ContainsKey(CostDimension) && price > 0)
            {
                scores[CostDimension] = Math.Clamp(100 - (PointsPerPriceDoubling * Math.Log2(price / cheapest)), 0, 100);
            }

            profiles[id] = new DeploymentProfile(
                options.Weight,
                scores.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase),
                [.. options.Specializations]);
        }

        return profiles.ToFrozenDictionary(StringComparer.Ordinal);
    }

    internal static DeploymentProfile FromMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return DeploymentProfile.Default;
        }

        var weight = 1;
        var scores = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        string[] specializations = [];
        const string ProfilePrefix = "Profile.";
        foreach (var (key, value) in metadata)
        {
            if (string.Equals(key, "Weight", StringComparison.OrdinalIgnoreCase))
            {
                if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= 0)
                {
                    weight = parsed;
                }
            }
            else if (key.StartsWith(ProfilePrefix, StringComparison.OrdinalIgnoreCase) && key.Length > ProfilePrefix.Length)
            {
                if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var score))
                {
                    scores[key[ProfilePrefix.Length..]] = Math.Clamp(score, 0, 100);
                }
            }
            else if (string.Equals(key, "Specializations", StringComparison.OrdinalIgnoreCase))
            {
                specializations = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }
        }

        return new DeploymentProfile(weight, scores.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), specializations);
    }

    private static double BlendedPrice(PricingOptions pricing) => (pricing.InputPerMillion + pricing.OutputPerMillion) / 2;
}
