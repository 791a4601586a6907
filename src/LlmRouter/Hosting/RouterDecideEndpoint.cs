using System.Text.Json;
using LlmRouter.Configuration;
using LlmRouter.Providers;
using LlmRouter.Proxy;
using LlmRouter.Resilience;
using LlmRouter.Routing;
using LlmRouter.Routing.Stats;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.LoadBalancing;

namespace LlmRouter.Hosting;

/// <summary>
/// <c>POST /v1/router/decide</c>: the routing decision for a chat-completions or (with <c>anthropic-version</c>, see
/// <see cref="Protocols.ClientProtocols"/>) an Anthropic Messages body and headers, without calling
/// any upstream — route, policy, category, the chosen deployment, and every candidate with its score or reason.
/// </summary>
internal sealed class RouterDecideEndpoint
{
    private readonly CatalogProvider _catalog;
    private readonly IProxyStateLookup _proxyState;
    private readonly CandidateFilter _candidates;
    private readonly LiveStatsStore _stats;
    private readonly RequestBodyBudget _bodyBudget;
    private readonly Dictionary<string, ILoadBalancingPolicy> _policies;

    public RouterDecideEndpoint(CatalogProvider catalog, IProxyStateLookup proxyState, CandidateFilter candidates, LiveStatsStore stats, IEnumerable<ILoadBalancingPolicy> policies, RequestBodyBudget bodyBudget)
    {
        _bodyBudget = bodyBudget;
        _catalog = catalog;
        _proxyState = proxyState;
        _candidates = candidates;
        _stats = stats;
        _policies = policies.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var catalog = _catalog.Current;
        var feature = await ChatRequestIntake.ReadAsync(context, catalog, _bodyBudget, explain: true);
        if (feature is null)
        {
            return;
        }

        var route = feature.Route;
        using (feature.Request)
        {
            if (!_proxyState.TryGetCluster(route.ClusterId, out var cluster) || !_policies.TryGetValue(route.PolicyName, out var policy))
            {
                await GatewayError.WriteRouteNotReadyAsync(context, route.Name);
                return;
            }

            context.Features.Set(feature);
            var available = cluster.DestinationsState.AvailableDestinations;
            var eligible = _candidates.Eligible(available, null, null, out _);

            // YARP skips the policy when one destination is left; the dry run asks it anyway so it can explain.
            var chosen = eligible.Count == 0 ? null : policy.PickDestination(context, cluster, eligible);
            await WriteAsync(context, route, feature, chosen?.DestinationId, available.Select(d => d.DestinationId), catalog);
        }
    }

    private async Task WriteAsync(HttpContext context, RouteDefinition route, ChatRoutingFeature feature, string? chosen, IEnumerable<string> members, RouterCatalog catalog)
    {
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body, JsonOutput.Indented);
        json.WriteStartObject();
        json.WriteString("route", route.Name);
        json.WriteString("policy", route.Options.Policy);
        json.WriteString("category", feature.Category);
        json.WriteString("category_source", feature.CategorySource);
        json.WriteString("chosen", chosen);
        if (chosen is not null && catalog.Deployments.TryGetValue(chosen, out var chosenDeployment))
        {
            json.WriteString("provider", chosenDeployment.Provider.ToString());
            json.WriteString("model", chosenDeployment.UpstreamModel);
        }

        var decision = feature.Decision;
        json.WritePropertyName("candidates");
        json.WriteStartArray();
        foreach (var id in members)
        {
            var scored = decision?.Candidates.Find(c => c.Deployment == id);
            var snapshot = _stats.Get(id).Snapshot();
            json.WriteStartObject();
            json.WriteString("deployment", id);
            if (scored?.Score is { } score)
            {
                json.WriteNumber("score", Math.Round(score, 4));
            }
            else
            {
                json.WriteNull("score");
            }

            json.WriteString("reason", _candidates.Exclusion(id, null, null, out _) ?? scored?.Reason);
            json.WriteNumber("latency_ewma_ms", Math.Round(snapshot.LatencyEwmaMs, 1));
            json.WriteNumber("error_rate", Math.Round(snapshot.ErrorRate, 4));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WritePropertyName("facts");
        json.WriteStartObject();
        if (decision is not null)
        {
            foreach (var (key, value) in decision.Facts)
            {
                json.WriteString(key, value);
            }
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
