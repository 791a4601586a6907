namespace LlmRouter.Resilience;

/// <summary>Limits a translated stream enforces on itself .</summary>
/// <param name="IdleTimeout">Longest silence between two upstream reads.</param>
/// <param name="Deadline">The route's total timeout.</param>
/// <param name="Time">The clock the timers run on.</param>
/// <param name="MaxEventBytes">Largest single upstream event; a larger one fails the stream as the upstream's fault.</param>
/// <param name="Draining">Cancelled when graceful shutdown's drain time is over.</param>
internal sealed record StreamLimits(TimeSpan IdleTimeout, DateTimeOffset Deadline, TimeProvider Time, int MaxEventBytes, CancellationToken Draining);
