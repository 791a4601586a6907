using System.Text.Json;
using LlmRouter.Auth;
using LlmRouter.Configuration;
using LlmRouter.Limits;
using LlmRouter.Proxy;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Hosting;

/// <summary>
/// Runtime gateway keys: <c>POST /admin/keys</c> creates one and shows it once, <c>GET /admin/keys</c> lists
/// names, teams, limits and usage (never keys or hashes), <c>DELETE /admin/keys/{name}</c> revokes. Admin key required.
/// </summary>
internal sealed class KeysEndpoints
{
    private readonly AdminEndpoints _admin;
    private readonly CatalogProvider _catalog;
    private readonly FleetState _fleet;
    private readonly KeyDirectory _keys;
    private readonly TimeProvider _time;

    public KeysEndpoints(AdminEndpoints admin, CatalogProvider catalog, FleetState fleet, KeyDirectory keys, TimeProvider time)
    {
        _admin = admin;
        _catalog = catalog;
        _fleet = fleet;
        _keys = keys;
        _time = time;
    }

    public Task CreateAsync(HttpContext context) => UnlessStoreDownAsync(context, CreateKeyAsync);

    public Task DeleteAsync(HttpContext context, string name) => UnlessStoreDownAsync(context, c => DeleteKeyAsync(c, name));

    private static async Task UnlessStoreDownAsync(HttpContext context, Func<HttpContext, Task> handler)
    {
        try
        {
            await handler(context);
        }
        catch (FleetStoreUnavailableException)
        {
            context.Response.Headers.RetryAfter = "1";
            await GatewayError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                "Runtime keys are kept in Redis, which is unreachable; retry shortly.", "server_error", null, "limits_unavailable");
        }
    }

    private async Task CreateKeyAsync(HttpContext context)
    {
        var catalog = _catalog.Current;
        if (!await _admin.AuthorizeAsync(context, catalog))
        {
            return;
        }

        CreateKeyRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<CreateKeyRequest>(context.Request.Body, RuntimeKeyJson.Options, context.RequestAborted);
        }
        catch (JsonException)
        {
            await BadRequestAsync(context, "The body must be a JSON object: {\"name\", \"team\", \"routes\", \"requestsPerMinute\", \"tokensPerMinute\", \"maxParallelRequests\", \"budgetUsd\", \"budgetWindow\"}.");
            return;
        }

        var errors = Validate(body, catalog.Options);
        if (errors.Count > 0)
        {
            await BadRequestAsync(context, string.Join(" ", errors));
            return;
        }

        var secret = KeyHash.NewKey();
        var key = new RuntimeKey
        {
            Name = body!.Name!,
            Hash = KeyHash.Of(secret),
            Team = body.Team,
            Routes = body.Routes ?? [],
            RequestsPerMinute = body.RequestsPerMinute,
            TokensPerMinute = body.TokensPerMinute,
            MaxParallelRequests = body.MaxParallelRequests,
            BudgetUsd = body.BudgetUsd,
            BudgetWindow = body.BudgetWindow,
            CreatedAt = _time.GetUtcNow(),
        };
        if (!await _fleet.CreateKeyAsync(key, context.RequestAborted))
        {
            await GatewayError.WriteAsync(context, StatusCodes.Status409Conflict, $"A key named `{key.Name}` already exists.", "invalid_request_error", "name", "key_exists");
            return;
        }

        await RefreshAsync(context.RequestAborted);
        context.Response.Headers.CacheControl = "no-store";
        await Results.Json(new { name = key.Name, key = secret }, statusCode: StatusCodes.Status201Created).ExecuteAsync(context);
    }

    private async Task DeleteKeyAsync(HttpContext context, string name)
    {
        var catalog = _catalog.Current;
        if (!await _admin.AuthorizeAsync(context, catalog))
        {
            return;
        }

        if (catalog.Options.Auth.Keys.ContainsKey(name))
        {
            await BadRequestAsync(context, $"`{name}` is a configured key: remove LlmRouter:Auth:Keys:{name} from the configuration to revoke it.");
            return;
        }

        if (!await _fleet.DeleteKeyAsync(name, context.RequestAborted))
        {
            await GatewayError.WriteAsync(context, StatusCodes.Status404NotFound, $"No runtime key named `{name}`.", "invalid_request_error", "name", "key_not_found");
            return;
        }

        await RefreshAsync(context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public async Task ListAsync(HttpContext context)
    {
        var catalog = _catalog.Current;
        if (!await _admin.AuthorizeAsync(context, catalog))
        {
            return;
        }

        var auth = catalog.Options.Auth;
        var keys = new List<object>();
        foreach (var key in _keys.All.OrderBy(k => k.Name, StringComparer.Ordinal))
        {
            keys.Add(new
            {
                name = key.Name,
                team = key.Team,
                source = key.IsRuntime ? "runtime" : "configuration",
                routes = key.Routes,
                limits = LimitsOf(key.Limits),
                usage = await UsageAsync(new LimitScope("key", key.Name, key.Limits), context.RequestAborted),
            });
        }

        var teams = new List<object>();
        foreach (var (team, limits) in auth.Teams.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            teams.Add(new { name = team, limits = LimitsOf(limits), usage = await UsageAsync(new LimitScope("team", team, limits), context.RequestAborted) });
        }

        context.Response.Headers.CacheControl = "no-store";
        await Results.Json(new { store = _fleet.StoreName, degraded = _fleet.IsDegraded, keys, teams }).ExecuteAsync(context);
    }

    private static List<string> Validate(CreateKeyRequest? body, LlmRouterOptions options)
    {
        var errors = new List<string>();
        if (body is null || !TenantLimitsRules.IsValidName(body.Name))
        {
            errors.Add("name is required: letters, digits, '.', '_' or '-' (at most 64).");
            return errors;
        }

        if (options.Auth.Keys.ContainsKey(body.Name!))
        {
            errors.Add($"name `{body.Name}` is a configured key.");
        }

        if (body.Team is not null && !TenantLimitsRules.IsValidName(body.Team))
        {
            errors.Add("team uses letters, digits, '.', '_' or '-' (at most 64).");
        }

        foreach (var route in body.Routes ?? [])
        {
            if (!options.Routes.ContainsKey(route) && !options.Deployments.ContainsKey(route))
            {
                errors.Add($"routes names `{route}`, which is neither a route nor a deployment.");
            }
        }

        TenantLimitsRules.Check(body.Name!, body, errors);
        return errors;
    }

    private static object LimitsOf(TenantLimitsOptions limits) => new
    {
        requestsPerMinute = limits.RequestsPerMinute,
        tokensPerMinute = limits.TokensPerMinute,
        maxParallelRequests = limits.MaxParallelRequests,
        budgetUsd = limits.BudgetUsd,
        budgetWindow = limits.BudgetWindow.ToString(),
    };

    private async Task<object> UsageAsync(LimitScope scope, CancellationToken cancellationToken)
    {
        var (usage, _) = await _fleet.UsageAsync(scope, cancellationToken);
        return new
        {
            requestsLastMinute = usage.Requests,
            tokensLastMinute = usage.TokensPerMinute,
            inFlight = usage.InFlight,
            spentUsd = usage.SpentUsd,
            totalRequests = usage.TotalRequests,
            totalTokens = usage.TotalTokens,
            totalCostUsd = usage.TotalCostUsd,
        };
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
        => _keys.SetRuntimeKeys(await _fleet.ListKeysAsync(cancellationToken));

    private static Task BadRequestAsync(HttpContext context, string message)
        => GatewayError.WriteAsync(context, StatusCodes.Status400BadRequest, message, "invalid_request_error");
}
