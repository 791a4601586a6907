using LlmRouter.Configuration;
using LlmRouter.Routing.Classification;
using LlmRouter.Routing.Policies;
using LlmRouter.Routing.Stats;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.LoadBalancing;

namespace LlmRouter.Routing;

/// <summary>Registers LlmRouter's load-balancing policies with YARP, plus the classifier and live-stats store they use.</summary>
internal static class RoutingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the seven policies as <see cref="ILoadBalancingPolicy"/> singletons (each also resolvable by its concrete type),
    /// the prompt classifier (trained once, on first resolution, from <c>LlmRouter:Classifier</c> or the shipped examples),
    /// <see cref="TimeProvider.System"/> and <see cref="LiveStatsStore"/> unless already registered. Calling it twice is harmless.
    /// </summary>
    internal static IServiceCollection AddLlmRouterPolicies(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(RoundRobinPolicy))
            {
                return services;
            }
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LiveStatsStore>();
        services.TryAddSingleton(static sp =>
        {
            var options = sp.GetService<IOptions<LlmRouterOptions>>()?.Value;
            var contentRoot = sp.GetService<IHostEnvironment>()?.ContentRootPath;
            return PromptClassifier.Train(ClassifierExamples.Load(options?.Classifier, contentRoot));
        });

        AddPolicy<RoundRobinPolicy>(services);
        AddPolicy<WeightedPolicy>(services);
        AddPolicy<LeastConnectionsPolicy>(services);
        AddPolicy<AdaptivePolicy>(services);
        AddPolicy<ConsistentHashPolicy>(services);
        AddPolicy<ModelAwarePolicy>(services);
        AddPolicy<ContextualPolicy>(services);
        return services;
    }

    private static void AddPolicy<TPolicy>(IServiceCollection services)
        where TPolicy : class, ILoadBalancingPolicy
    {
        // One instance serves YARP (by name) and the contextual policy's tie-breaking (by type).
        services.AddSingleton<TPolicy>();
        services.AddSingleton<ILoadBalancingPolicy>(static sp => sp.GetRequiredService<TPolicy>());
    }
}
