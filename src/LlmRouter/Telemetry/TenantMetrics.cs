using System.Diagnostics;
using System.Diagnostics.Metrics;
using LlmRouter.Limits;

namespace LlmRouter.Telemetry;

/// <summary>
/// Per-tenant instruments. Label values are configured or admin-created key and team names only (a refused
/// unknown key counts as <c>unknown</c>), so what clients send never grows the label set.
/// </summary>
internal sealed class TenantMetrics
{
    public const string Unknown = "unknown";
    public const string NoTeam = "none";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _tokens;
    private readonly Counter<double> _cost;
    private readonly Counter<long> _rejections;

    public TenantMetrics(GatewayMetrics metrics, FleetState fleet)
    {
        var meter = metrics.Meter;
        _requests = meter.CreateCounter<long>("llmrouter.tenant.requests", "{request}", "Admitted requests by gateway key and team.");
        _tokens = meter.CreateCounter<long>("llmrouter.tenant.tokens", "{token}", "Settled input + output tokens by gateway key and team.");
        _cost = meter.CreateCounter<double>("llmrouter.tenant.cost.usd", "{USD}", "Settled cost by gateway key and team.");
        _rejections = meter.CreateCounter<long>("llmrouter.tenant.rejections", "{request}", "Refused requests by key, team and reason (auth, rate, tokens, parallel, budget, route).");
        var redis = new KeyValuePair<string, object?>("llmrouter.redis", fleet.RedisEndpoints);
        meter.CreateObservableGauge("llmrouter.limits.degraded", () => new Measurement<int>(fleet.IsDegraded ? 1 : 0, redis), null,
            "1 while Redis is configured but unreachable and limits are per replica (fail mode Open), by Redis endpoint.");
    }

    public void Admitted(string key, string? team) => _requests.Add(1, Tags(key, team));

    public void Settled(string key, string? team, long tokens, double costUsd)
    {
        var tags = Tags(key, team);
        _tokens.Add(tokens, tags);
        if (costUsd > 0)
        {
            _cost.Add(costUsd, tags);
        }
    }

    public void Rejected(string key, string? team, string reason)
    {
        var tags = Tags(key, team);
        tags.Add("reason", reason);
        _rejections.Add(1, tags);
    }

    /// <summary>The <c>reason</c> label of a limit refusal.</summary>
    public static string ReasonOf(LimitKind kind) => kind switch
    {
        LimitKind.Requests => "rate",
        LimitKind.Tokens => "tokens",
        LimitKind.Parallel => "parallel",
        _ => "budget",
    };

    private static TagList Tags(string key, string? team) => new() { { "llmrouter.key", key }, { "llmrouter.team", team ?? NoTeam } };
}
