namespace LlmRouter.Limits;

/// <summary>Which limit refused a request; also the <c>reason</c> label of rejection metrics.</summary>
internal enum LimitKind
{
    Requests = 1,
    Tokens = 2,
    Parallel = 3,
    Budget = 4,
}
