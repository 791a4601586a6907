using LlmRouter.Routing;
using LlmRouter.Routing.Classification;
using LlmRouter.Routing.Policies;
using LlmRouter.Routing.Stats;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.LoadBalancing;

namespace LlmRouter.Tests.Routing;

public sealed class RoutingServiceCollectionExtensionsTests
{
    [Fact]
    public void AddLlmRouterPolicies_RegistersAllSevenUnderTheirNames_OnceEvenIfCalledTwice()
    {
        var services = new ServiceCollection().AddOptions();
        services.AddLlmRouterPolicies();
        services.AddLlmRouterPolicies();
        using var provider = services.BuildServiceProvider();

        var names = provider.GetServices<ILoadBalancingPolicy>().Select(p => p.Name).Order().ToArray();

        Assert.Equal(
            new[] { PolicyNames.Adaptive, PolicyNames.ConsistentHash, PolicyNames.Contextual, PolicyNames.LeastConnections, PolicyNames.ModelAware, PolicyNames.RoundRobin, PolicyNames.Weighted }.Order(),
            names);
        Assert.Same(provider.GetRequiredService<LeastConnectionsPolicy>(), provider.GetServices<ILoadBalancingPolicy>().Single(p => p.Name == PolicyNames.LeastConnections));
        Assert.Equal(4, provider.GetRequiredService<PromptClassifier>().Categories.Count);
    }

    [Fact]
    public void AddLlmRouterPolicies_KeepsExistingTimeProviderAndStatsStore()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var services = new ServiceCollection().AddOptions();
        services.AddSingleton<TimeProvider>(time);
        services.AddLlmRouterPolicies();
        using var provider = services.BuildServiceProvider();

        Assert.Same(time, provider.GetRequiredService<LiveStatsStore>().Time);
    }
}
