namespace LlmRouter.Auth;

/// <summary>Set on <c>HttpContext.Features</c> once a request's key is authenticated; absent on an open gateway.</summary>
internal sealed class GatewayKeyFeature
{
    public GatewayKeyFeature(GatewayKey key)
    {
        Key = key;
    }

    public GatewayKey Key { get; }
}
