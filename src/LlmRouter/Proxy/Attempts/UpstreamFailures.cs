using LlmRouter.Configuration;
using LlmRouter.Providers;

namespace LlmRouter.Proxy.Attempts;

/// <summary>The gateway's rules on top of a provider's translated error, applied wherever an upstream failure is seen.</summary>
internal static class UpstreamFailures
{
    /// <summary>The code of a provider refusing the gateway's own key.</summary>
    public const string AuthenticationErrorCode = "upstream_authentication_error";

    /// <summary>
    /// A provider's 401/403 is about the gateway's key, not the client's: the client gets a generic 502 (never the
    /// provider's text, which may quote the key) and the deployment is charged. An upstream-chosen wait is capped.
    /// </summary>
    public static UpstreamError Classify(UpstreamError error, Deployment deployment, LimitsOptions limits)
    {
        if (error.StatusCode is 401 or 403)
        {
            return new UpstreamError(502, $"The deployment `{deployment.Id}` rejected the gateway's credentials; the operator has been alerted.",
                "server_error", AuthenticationErrorCode);
        }

        var cap = TimeSpan.FromSeconds(limits.MaxRetryAfterSeconds);
        return error.RetryAfter > cap ? error with { RetryAfter = cap } : error;
    }
}
