namespace LlmRouter.Simulator;

/// <summary>An error to answer with. A null <paramref name="Message"/> selects the provider's usual wording.</summary>
internal sealed record SimulatedError(ErrorKind Kind, string? Message, string? Param = null);
