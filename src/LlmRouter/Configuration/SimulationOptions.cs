namespace LlmRouter.Configuration;

/// <summary>How a simulated upstream behaves.</summary>
public sealed class SimulationOptions
{
    /// <summary>Time before a non-streaming response is sent, in milliseconds.</summary>
    public int LatencyMs { get; set; } = 150;

    /// <summary>Time before the first streamed token, in milliseconds.</summary>
    public int TimeToFirstTokenMs { get; set; } = 100;

    /// <summary>Streaming speed; 0 sends all tokens at once.</summary>
    public double TokensPerSecond { get; set; } = 200;

    /// <summary>Fraction (0-1) of requests answered with a provider-shaped 5xx/429 error.</summary>
    public double ErrorRate { get; set; }
}
