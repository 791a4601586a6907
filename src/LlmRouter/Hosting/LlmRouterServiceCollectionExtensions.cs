using System.Text;
using LlmRouter.Auth;
using LlmRouter.Configuration;
using LlmRouter.Hosting;
using LlmRouter.Limits;
using LlmRouter.Protocols.Anthropic;
using LlmRouter.Providers;
using LlmRouter.Providers.Anthropic;
using LlmRouter.Providers.Gemini;
using LlmRouter.Providers.OpenAI;
using LlmRouter.Proxy;
using LlmRouter.Resilience;
using LlmRouter.Routing;
using LlmRouter.Routing.Stats;
using LlmRouter.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

// The composition root lives in the Microsoft namespace so hosts find it without an extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers LlmRouter: <c>services.AddLlmRouter(configuration)</c>.</summary>
public static class LlmRouterServiceCollectionExtensions
{
    /// <summary>
    /// Adds the gateway: the catalog bound from the <c>LlmRouter</c> section (hot-reloaded, validated at start),
    /// YARP with LlmRouter's routing policies and transforms, the provider adapters and the simulated upstreams.
    /// </summary>
    public static IServiceCollection AddLlmRouter(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<LlmRouterOptions>().Bind(configuration.GetSection(LlmRouterOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LiveStatsStore>();
        services.TryAddSingleton<ISimulatedUpstreams, SimulatedUpstreamsHost>();
        services.TryAddSingleton<CatalogBuilder>();
        services.TryAddSingleton<CatalogProvider>();

        services.TryAddSingleton<ThoughtSignatureStore>();
        services.AddSingleton<IProviderAdapter, OpenAIAdapter>();
        services.AddSingleton<IProviderAdapter, AnthropicAdapter>();
        services.AddSingleton<IProviderAdapter, GeminiAdapter>();
        services.TryAddSingleton<ProviderAdapters>();

        services.TryAddSingleton<RequestAccounting>();
        services.TryAddSingleton<RequestBodyBudget>();
        services.TryAddSingleton<DeploymentCircuitBreakers>();
        services.TryAddSingleton<CandidateFilter>();
        services.TryAddSingleton<RouterDecideEndpoint>();
        services.TryAddSingleton<AnthropicCountTokensEndpoint>();
        services.AddHttpClient(AnthropicCountTokensEndpoint.HttpClientName);
        services.TryAddSingleton<AdminEndpoints>();
        services.TryAddSingleton<GracefulShutdown>();
        services.TryAddSingleton<FleetState>();
        services.TryAddSingleton<KeyDirectory>();
        services.TryAddSingleton<TokenEstimator>();
        services.TryAddSingleton<DeploymentQuotaGate>();
        services.TryAddSingleton<RateLimitPeek>();
        services.TryAddSingleton<LeaseRegistry>();
        services.TryAddSingleton<ReservationSettler>();
        services.TryAddSingleton<TenantMetrics>();
        services.TryAddSingleton<KeysEndpoints>();
        services.AddHostedService<FleetSync>();
        services.AddOptions<HostOptions>().Configure<IOptions<LlmRouterOptions>>((host, router) =>
        {
            // Kestrel waits for in-flight requests up to the host's shutdown timeout; streams get the drain time plus a margin to end cleanly.
            var needed = TimeSpan.FromSeconds(router.Value.ShutdownDrainSeconds + 5);
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });
        services.Configure<KestrelServerOptions>(kestrel =>
        {
            // Kestrel answers requests beyond its limits itself, without a body: its limits sit above the gateway's
            // (RequestShapeMiddleware), so the gateway answers the usual oversized requests with JSON 414/431.
            kestrel.Limits.MaxRequestLineSize = Math.Max(kestrel.Limits.MaxRequestLineSize, 2 * RequestShapeMiddleware.MaxRequestTargetChars);
            kestrel.Limits.MaxRequestHeadersTotalSize = Math.Max(kestrel.Limits.MaxRequestHeadersTotalSize, 2 * RequestShapeMiddleware.MaxHeaderBytes);
            kestrel.Limits.MaxRequestHeaderCount = Math.Max(kestrel.Limits.MaxRequestHeaderCount, 2 * RequestShapeMiddleware.MaxHeaderCount);

            // Header bytes that are not UTF-8 would be Kestrel's bodiless 400; as Latin-1 every byte decodes, and the
            // gateway validates the few headers it reads and forwards nothing by default.
            kestrel.RequestHeaderEncodingSelector = static _ => Encoding.Latin1;
        });
        services.TryAddSingleton<UpstreamTracing>();
        services.TryAddSingleton<ChatRequestTransform>();
        services.TryAddSingleton<ChatResponseTransform>();
        services.AddLlmRouterPolicies();
        services.AddLlmRouterTelemetry(configuration);

        services.AddSingleton<IProxyConfigProvider, LlmRouterProxyConfigProvider>();
        services.TryAddSingleton<Yarp.ReverseProxy.Forwarder.IForwarderHttpClientFactory, UpstreamHttpClientFactory>();
        // Plain YARP routes may live beside LlmRouter's (a ReverseProxy section, reloadable like the rest)
        // and use its policies by name.
        services.AddReverseProxy()
            .AddTransforms<ChatTransformProvider>()
            .LoadFromConfig(configuration.GetSection("ReverseProxy"));
        return services;
    }
}
