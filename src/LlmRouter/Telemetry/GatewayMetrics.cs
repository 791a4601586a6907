using System.Diagnostics;
using System.Diagnostics.Metrics;
using LlmRouter.Configuration;
using LlmRouter.Providers;

namespace LlmRouter.Telemetry;

/// <summary>
/// LlmRouter's instruments on one <see cref="Meter"/>: the OpenTelemetry GenAI semantic-convention metrics
/// (names and attributes users search for first) plus gateway figures (requests, decisions, overhead,
/// attempts, fallbacks, cost). Exported by OpenTelemetry to Prometheus at <c>/metrics</c>. Label values come from
/// configuration or pass through <see cref="MetricLabels"/>, so the number of series stays bounded.
/// </summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "LlmRouter";

    private readonly Histogram<long> _tokenUsage;
    private readonly Histogram<double> _operationDuration;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _timePerOutputToken;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _decisions;
    private readonly Histogram<double> _overhead;
    private readonly Counter<long> _attempts;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<double> _cost;
    private readonly Counter<long> _cachedTokens;
    private readonly MetricLabels _labels;

    public GatewayMetrics(IMeterFactory meterFactory, MetricLabels? labels = null)
    {
        _labels = labels ?? new MetricLabels();
        Meter = meterFactory.Create(MeterName);
        _tokenUsage = Meter.CreateHistogram("gen_ai.client.token.usage", "{token}", "Number of input and output tokens used.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576] });
        _operationDuration = Meter.CreateHistogram("gen_ai.client.operation.duration", "s", "GenAI operation duration.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });
        _timeToFirstToken = Meter.CreateHistogram("gen_ai.server.time_to_first_token", "s", "Time to generate the first token of a streamed response.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0] });
        _timePerOutputToken = Meter.CreateHistogram("gen_ai.server.time_per_output_token", "s", "Time per output token after the first.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 1.0, 2.5] });
        _requests = Meter.CreateCounter<long>("llmrouter.requests", "{request}", "Chat requests by route, policy, deployment and outcome.");
        _decisions = Meter.CreateCounter<long>("llmrouter.routing.decisions", "{decision}", "Routing decisions by policy, category and deployment.");
        _overhead = Meter.CreateHistogram("llmrouter.gateway.overhead", "s", "Time spent in the gateway, excluding time waiting on upstreams.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1] });
        _attempts = Meter.CreateCounter<long>("llmrouter.upstream.attempts", "{attempt}", "Upstream attempts by deployment and outcome.");
        _retries = Meter.CreateCounter<long>("llmrouter.retries", "{retry}", "Attempts after the first, by route.");
        _fallbacks = Meter.CreateCounter<long>("llmrouter.fallbacks", "{request}", "Requests answered by a deployment other than the first one tried.");
        _cost = Meter.CreateCounter<double>("llmrouter.cost.usd", "{USD}", "Estimated cost from configured prices and reported usage.");
        _cachedTokens = Meter.CreateCounter<long>("llmrouter.tokens.cached", "{token}", "Cached input tokens reported by upstreams.");
    }

    public Meter Meter { get; }

    /// <summary>One finished upstream attempt: GenAI metrics, attempt outcome and cost; <c>midStream</c> marks a failure after the first token.</summary>
    public void RecordAttempt(string route, Deployment deployment, string? responseModel, TimeSpan duration, TimeSpan? timeToFirstToken, TokenUsage? usage, string? errorType,
        bool midStream = false)
    {
        var tags = GenAiTags(route, deployment, _labels.ResponseModel(deployment, responseModel));
        if (errorType is not null)
        {
            tags.Add("error.type", _labels.ErrorType(deployment, errorType));
        }

        _operationDuration.Record(duration.TotalSeconds, tags);
        _attempts.Add(1, new TagList { { "llmrouter.deployment", deployment.Id }, { "llmrouter.outcome", errorType is null ? "success" : midStream ? "mid_stream_error" : "error" } });

        if (timeToFirstToken is { } ttft)
        {
            _timeToFirstToken.Record(ttft.TotalSeconds, tags);
            if (usage is { CompletionTokens: > 1 } streamed)
            {
                _timePerOutputToken.Record((duration - ttft).TotalSeconds / (streamed.CompletionTokens - 1), tags);
            }
        }

        if (usage is not { } u)
        {
            return;
        }

        var input = tags;
        input.Add("gen_ai.token.type", "input");
        _tokenUsage.Record(u.PromptTokens, input);
        var output = tags;
        output.Add("gen_ai.token.type", "output");
        _tokenUsage.Record(u.CompletionTokens, output);
        if (u.CachedTokens > 0)
        {
            _cachedTokens.Add(u.CachedTokens, tags);
        }

        var pricing = deployment.Options.Pricing;
        var cost = ((u.PromptTokens * pricing.InputPerMillion) + (u.CompletionTokens * pricing.OutputPerMillion)) / 1_000_000d;
        if (cost > 0)
        {
            _cost.Add(cost, new TagList { { "llmrouter.route", route }, { "llmrouter.deployment", deployment.Id } });
        }
    }

    /// <summary>One finished client request.</summary>
    public void RecordRequest(string route, string policy, string? deployment, string? category, int statusCode, int attempts, bool fellBack, TimeSpan overhead)
    {
        var outcome = statusCode switch
        {
            < 400 => "success",
            < 500 and not 429 => "client_error",
            _ => "upstream_error",
        };
        _requests.Add(1, new TagList
        {
            { "llmrouter.route", route },
            { "llmrouter.policy", policy },
            { "llmrouter.deployment", deployment ?? "none" },
            { "llmrouter.outcome", outcome },
            { "http.response.status_code", statusCode },
        });
        if (deployment is not null)
        {
            _decisions.Add(1, new TagList { { "llmrouter.policy", policy }, { "llmrouter.category", _labels.Category(category) }, { "llmrouter.deployment", deployment } });
        }

        if (attempts > 1)
        {
            _retries.Add(attempts - 1, new TagList { { "llmrouter.route", route } });
        }

        if (fellBack)
        {
            _fallbacks.Add(1, new TagList { { "llmrouter.route", route }, { "llmrouter.deployment", deployment ?? "none" } });
        }

        _overhead.Record(Math.Max(0, overhead.TotalSeconds), new TagList { { "llmrouter.route", route } });
    }

    /// <summary>The semconv value of <c>gen_ai.provider.name</c>.</summary>
    public static string ProviderName(ProviderKind provider) => provider switch
    {
        ProviderKind.OpenAI => "openai",
        ProviderKind.Anthropic => "anthropic",
        ProviderKind.Gemini => "gcp.gemini",
        _ => provider.ToString().ToLowerInvariant(),
    };

    private static TagList GenAiTags(string route, Deployment deployment, string responseModel) => new()
    {
        { "gen_ai.operation.name", "chat" },
        { "gen_ai.provider.name", ProviderName(deployment.Provider) },
        { "gen_ai.request.model", deployment.UpstreamModel },
        { "gen_ai.response.model", responseModel },
        { "llmrouter.route", route },
        { "llmrouter.deployment", deployment.Id },
    };
}
