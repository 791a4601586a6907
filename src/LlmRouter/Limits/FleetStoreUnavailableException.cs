namespace LlmRouter.Limits;

/// <summary>The shared store cannot be reached and the fail mode is <c>Closed</c>: admission answers 503.</summary>
internal sealed class FleetStoreUnavailableException : Exception
{
    public FleetStoreUnavailableException()
    {
    }

    public FleetStoreUnavailableException(string message)
        : base(message)
    {
    }

    public FleetStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
