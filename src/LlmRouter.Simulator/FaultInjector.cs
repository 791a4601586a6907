namespace LlmRouter.Simulator;

/// <summary>Decides which requests fail, and how, according to <see cref="SimulatedBehavior.ErrorRate"/>.</summary>
internal static class FaultInjector
{
    /// <summary>The wait advertised on injected rate-limit errors; short so retrying clients stay fast in tests.</summary>
    public const int RetryAfterSeconds = 1;

    private static readonly SimulatedError RateLimited = new(ErrorKind.RateLimited, null);
    private static readonly SimulatedError ServerError = new(ErrorKind.ServerError, null);
    private static readonly SimulatedError Overloaded = new(ErrorKind.Overloaded, null);

    /// <summary>Returns the error to inject, or null to serve the request normally.</summary>
    public static SimulatedError? Next(double errorRate)
    {
        if (errorRate <= 0)
        {
            return null;
        }

        // Random.Shared is thread-safe; requests arrive on many threads at once.
        if (errorRate < 1 && Random.Shared.NextDouble() >= errorRate)
        {
            return null;
        }

        // Rate limits dominate real error traffic, then overload, then plain server errors.
        var roll = Random.Shared.NextDouble();
        return roll < 0.5 ? RateLimited : roll < 0.8 ? Overloaded : ServerError;
    }
}
