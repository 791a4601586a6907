namespace LlmRouter.Proxy;

/// <summary>Ids and header names LlmRouter uses inside YARP's configuration and on responses.</summary>
internal static class ProxyIds
{
    /// <summary>The YARP route that receives every chat-completions request before it is reassigned.</summary>
    public const string ChatRouteId = "llmrouter:chat";

    /// <summary>The YARP route that receives every Anthropic Messages request before it is reassigned.</summary>
    public const string MessagesRouteId = "llmrouter:messages";

    /// <summary>Route/cluster ids LlmRouter owns start with this; other YARP routes are left alone.</summary>
    public const string Prefix = "llmrouter:";

    public const string ChatPath = "/v1/chat/completions";

    public const string RouteHeader = "x-llmrouter-route";
    public const string DeploymentHeader = "x-llmrouter-deployment";
    public const string PolicyHeader = "x-llmrouter-policy";
    public const string CategoryHeader = "x-llmrouter-category";
    public const string AttemptsHeader = "x-llmrouter-attempts";

    /// <summary>Never matched by clients in practice; gives each LlmRouter route a YARP route of its own to reassign to.</summary>
    public const string InternalRouteHeader = "x-llmrouter-internal-route";

    public static string YarpRouteId(string clusterId) => Prefix + clusterId;
}
