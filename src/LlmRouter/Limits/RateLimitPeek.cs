using LlmRouter.Auth;
using LlmRouter.Configuration;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Limits;

/// <summary>
/// The <c>x-ratelimit-*</c> headers for <c>/v1/*</c> endpoints that admit nothing (models, decide): the same figures
/// admission reports, read without reserving. Skipped when nothing is limited per minute or the store is down.
/// </summary>
internal sealed class RateLimitPeek
{
    private readonly FleetState _fleet;
    private readonly CatalogProvider _catalog;
    private readonly TimeProvider _time;

    public RateLimitPeek(FleetState fleet, CatalogProvider catalog, TimeProvider time)
    {
        _fleet = fleet;
        _catalog = catalog;
        _time = time;
    }

    public async Task SetHeadersAsync(HttpContext context, GatewayKey key)
    {
        var scopes = AdmissionMiddleware.ScopesOf(key, _catalog.Current.Options.Auth)
            .Where(s => s.Limits.RequestsPerMinute is not null || s.Limits.TokensPerMinute is not null)
            .ToList();
        if (scopes.Count == 0)
        {
            return;
        }

        var states = new ScopeState[scopes.Count];
        var now = _time.GetUtcNow();
        try
        {
            for (var i = 0; i < scopes.Count; i++)
            {
                states[i] = (await _fleet.UsageAsync(scopes[i], context.RequestAborted)).Usage.ToState(scopes[i].Limits, now);
            }
        }
        catch (FleetStoreUnavailableException)
        {
            return;
        }

        context.Response.OnStarting(static state =>
        {
            var (response, scopes, states) = ((HttpResponse, List<LimitScope>, ScopeState[]))state;
            RateLimitHeaders.Set(response.Headers, scopes, states);
            return Task.CompletedTask;
        }, (context.Response, scopes, states));
    }
}
