namespace LlmRouter.Simulator;

/// <summary>Provider-neutral error categories; each simulator maps them to its own status codes and error types.</summary>
internal enum ErrorKind
{
    InvalidRequest,
    Authentication,
    PermissionDenied,
    NotFound,
    RateLimited,
    ServerError,
    Overloaded,
}
