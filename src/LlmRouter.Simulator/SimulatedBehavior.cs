namespace LlmRouter.Simulator;

/// <summary>How one simulated deployment behaves: delays, streaming pace and injected errors.</summary>
public sealed class SimulatedBehavior
{
    /// <summary>No delays and no errors; used when the lookup returns <see langword="null"/>.</summary>
    internal static SimulatedBehavior Default { get; } = new();

    /// <summary>Delay before a non-streaming response, in milliseconds.</summary>
    public int LatencyMs { get; init; }

    /// <summary>Delay before the first streamed event, in milliseconds.</summary>
    public int TimeToFirstTokenMs { get; init; }

    /// <summary>Streaming pace in tokens (words) per second; 0 sends chunks without delay.</summary>
    public double TokensPerSecond { get; init; }

    /// <summary>
    /// Fraction (0-1) of requests answered with a provider-shaped error: a mix of 429 with retry information,
    /// 500, and overload (503, or 529 for Anthropic).
    /// </summary>
    public double ErrorRate { get; init; }
}
