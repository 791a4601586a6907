using System.Diagnostics.Metrics;
using LlmRouter.Configuration;
using LlmRouter.Providers;
using LlmRouter.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRouter.Tests.Telemetry;

public sealed class GatewayMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly GatewayMetrics _metrics;
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = [];

    public GatewayMetricsTests()
    {
        _metrics = new GatewayMetrics(_services.GetRequiredService<IMeterFactory>());
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, _metrics.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    [Theory]
    [InlineData(200, "success")]
    [InlineData(400, "client_error")]
    [InlineData(404, "client_error")]
    [InlineData(429, "upstream_error")]
    [InlineData(502, "upstream_error")]
    public void RecordRequest_Status_ClassifiesOutcome(int status, string outcome)
    {
        _metrics.RecordRequest("route", "RoundRobin", "d1", null, status, 1, fellBack: false, TimeSpan.FromMilliseconds(1));

        var request = Assert.Single(_measurements, m => m.Instrument == "llmrouter.requests");
        Assert.Equal(outcome, request.Tags["llmrouter.outcome"]);
        Assert.Equal(status, request.Tags["http.response.status_code"]);
    }

    [Fact]
    public void RecordRequest_AfterFallback_CountsRetriesAndOneFallback()
    {
        _metrics.RecordRequest("route", "RoundRobin", "d2", null, 200, 3, fellBack: true, TimeSpan.FromMilliseconds(1));

        Assert.Equal(2, Assert.Single(_measurements, m => m.Instrument == "llmrouter.retries").Value);
        var fallback = Assert.Single(_measurements, m => m.Instrument == "llmrouter.fallbacks");
        Assert.Equal(1, fallback.Value);
        Assert.Equal("d2", fallback.Tags["llmrouter.deployment"]);
    }

    [Fact]
    public void RecordAttempt_WithUsageAndPrices_RecordsTokensCachedTokensAndCost()
    {
        var options = new DeploymentOptions { Provider = ProviderKind.Anthropic, Model = "claude-x", Pricing = new PricingOptions { InputPerMillion = 3, OutputPerMillion = 15 } };
        var deployment = new Deployment("claude", options, new Uri("http://claude.test/"));

        _metrics.RecordAttempt("route", deployment, "claude-x-2025", TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(0.5), new TokenUsage(1000, 101, 1101, CachedTokens: 200), null);

        var tokens = _measurements.Where(m => m.Instrument == "gen_ai.client.token.usage").ToList();
        Assert.Equal(1000, Assert.Single(tokens, t => Equals(t.Tags["gen_ai.token.type"], "input")).Value);
        Assert.Equal(101, Assert.Single(tokens, t => Equals(t.Tags["gen_ai.token.type"], "output")).Value);
        Assert.All(tokens, t => Assert.Equal("anthropic", t.Tags["gen_ai.provider.name"]));
        Assert.All(tokens, t => Assert.Equal("claude-x-2025", t.Tags["gen_ai.response.model"]));
        Assert.Equal(200, Assert.Single(_measurements, m => m.Instrument == "llmrouter.tokens.cached").Value);
        Assert.Equal(((1000 * 3) + (101 * 15)) / 1_000_000d, Assert.Single(_measurements, m => m.Instrument == "llmrouter.cost.usd").Value, 12);
        Assert.Equal(0.5, Assert.Single(_measurements, m => m.Instrument == "gen_ai.server.time_to_first_token").Value);
        Assert.Equal(1.5 / 100, Assert.Single(_measurements, m => m.Instrument == "gen_ai.server.time_per_output_token").Value, 12);
    }

    [Fact]
    public void RecordAttempt_Failed_TagsErrorTypeAndRecordsNoTokens()
    {
        var deployment = new Deployment("gpt", new DeploymentOptions { Provider = ProviderKind.OpenAI }, new Uri("http://gpt.test/"));

        _metrics.RecordAttempt("route", deployment, null, TimeSpan.FromSeconds(1), null, null, "rate_limit_exceeded");

        var duration = Assert.Single(_measurements, m => m.Instrument == "gen_ai.client.operation.duration");
        Assert.Equal("rate_limit_exceeded", duration.Tags["error.type"]);
        Assert.Equal("error", Assert.Single(_measurements, m => m.Instrument == "llmrouter.upstream.attempts").Tags["llmrouter.outcome"]);
        Assert.DoesNotContain(_measurements, m => m.Instrument == "gen_ai.client.token.usage");
    }

    [Fact]
    public void RecordRequestAndAttempt_ThousandsOfDistinctClientAndUpstreamValues_KeepTagSetsBounded()
    {
        var deployment = new Deployment("gpt", new DeploymentOptions { Provider = ProviderKind.OpenAI }, new Uri("http://gpt.test/"));

        for (var i = 0; i < 3000; i++)
        {
            _metrics.RecordRequest("route", "Contextual", "gpt", "flood-" + i, 200, 1, fellBack: false, TimeSpan.FromMilliseconds(1));
            _metrics.RecordAttempt("route", deployment, "model-" + i, TimeSpan.FromSeconds(1), null, null, "error_" + i);
        }

        var categories = _measurements.Where(m => m.Instrument == "llmrouter.routing.decisions").Select(m => m.Tags["llmrouter.category"]).Distinct();
        var models = _measurements.Where(m => m.Instrument == "gen_ai.client.operation.duration").Select(m => m.Tags["gen_ai.response.model"]).Distinct();
        var errors = _measurements.Where(m => m.Instrument == "gen_ai.client.operation.duration").Select(m => m.Tags["error.type"]).Distinct();
        Assert.Equal([MetricLabels.Other], categories);
        Assert.InRange(models.Count(), 1, MetricLabels.MaxResponseModelsPerDeployment + 1);
        Assert.InRange(errors.Count(), 1, MetricLabels.MaxErrorTypesPerDeployment + 1);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Add((instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), copy));
    }
}
