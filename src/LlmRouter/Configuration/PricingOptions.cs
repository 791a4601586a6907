namespace LlmRouter.Configuration;

/// <summary>Prices of a deployment in USD per one million tokens.</summary>
public sealed class PricingOptions
{
    /// <summary>USD per 1M input (prompt) tokens.</summary>
    public double InputPerMillion { get; set; }

    /// <summary>USD per 1M output (completion) tokens.</summary>
    public double OutputPerMillion { get; set; }

    /// <summary>USD per 1M cached input tokens; unset: cached tokens cost <see cref="InputPerMillion"/>.</summary>
    public double? CachedInputPerMillion { get; set; }
}
