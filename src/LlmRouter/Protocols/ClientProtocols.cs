using LlmRouter.Routing;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Protocols;

/// <summary>The one place that says which protocol a request speaks: the routing feature once parsed, else the path.</summary>
internal static class ClientProtocols
{
    public const string MessagesPath = "/v1/messages";

    public const string CountTokensPath = "/v1/messages/count_tokens";

    public static ClientProtocol FromPath(PathString path)
        => path.StartsWithSegments(MessagesPath, StringComparison.OrdinalIgnoreCase) ? ClientProtocol.Anthropic : ClientProtocol.OpenAI;

    public static ClientProtocol Of(HttpContext context)
        => context.Features.Get<ChatRoutingFeature>()?.Protocol ?? FromPath(context.Request.Path);
}
