using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using LlmRouter.Configuration;
using LlmRouter.Routing.Classification;

namespace LlmRouter.Telemetry;

/// <summary>
/// Keeps metric label values bounded, so no client and no upstream can grow the number of series: categories only
/// from configuration (deployment <c>Specializations</c> and the classifier's categories), and upstream-reported values
/// (response model, error code) only as well-formed tokens, at most a few distinct ones per deployment. Everything
/// else becomes <see cref="Other"/>.
/// </summary>
internal sealed class MetricLabels
{
    public const string Other = "other";

    public const string None = "none";

    /// <summary>Distinct upstream-reported response models kept per deployment besides the configured one.</summary>
    public const int MaxResponseModelsPerDeployment = 4;

    /// <summary>Distinct error codes kept per deployment besides the gateway's own.</summary>
    public const int MaxErrorTypesPerDeployment = 16;

    private const int MaxTokenLength = 64;

    private static readonly SearchValues<char> TokenChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/@-");

    // Codes the gateway itself writes, plus OpenAI's documented ones: always their own series.
    private static readonly FrozenSet<string> KnownErrorTypes = FrozenSet.Create(StringComparer.Ordinal,
    [
        "connection_error", "upstream_error", "upstream_unavailable", "bad_upstream_response", "timeout", "circuit_open",
        "rate_limit_exceeded", "insufficient_quota", "overloaded", "invalid_api_key", "context_length_exceeded",
        "model_not_found", "request_too_large", "failed_precondition", "upstream_authentication_error",
        "upstream_response_too_large", "server_error", "invalid_request_error", "rate_limit_error", "permission_error",
    ]);

    private readonly CatalogProvider? _catalog;
    private readonly FrozenSet<string> _classifierCategories;
    private readonly ConcurrentDictionary<string, BoundedTokens> _responseModels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BoundedTokens> _errorTypes = new(StringComparer.Ordinal);
    private (RouterCatalog? Catalog, FrozenSet<string> Categories) _categories = (null, FrozenSet<string>.Empty);

    public MetricLabels(CatalogProvider? catalog = null, PromptClassifier? classifier = null)
    {
        _catalog = catalog;
        _classifierCategories = (classifier?.Categories ?? []).ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>The category when configured somewhere, <see cref="None"/> when absent, else <see cref="Other"/>.</summary>
    public string Category(string? category)
    {
        if (category is null)
        {
            return None;
        }

        return _classifierCategories.Contains(category) || ConfiguredCategories().Contains(category) ? category : Other;
    }

    /// <summary>The model the upstream reported, bounded per deployment; the configured model when it reported none.</summary>
    public string ResponseModel(Deployment deployment, string? reported)
    {
        if (reported is null || string.Equals(reported, deployment.UpstreamModel, StringComparison.Ordinal))
        {
            return deployment.UpstreamModel;
        }

        return _responseModels.GetOrAdd(deployment.Id, static _ => new BoundedTokens(MaxResponseModelsPerDeployment)).Map(reported);
    }

    /// <summary>An attempt's error code: the known ones as they are, a few others per deployment, then <see cref="Other"/>.</summary>
    public string ErrorType(Deployment deployment, string errorType)
        => KnownErrorTypes.Contains(errorType)
            ? errorType
            : _errorTypes.GetOrAdd(deployment.Id, static _ => new BoundedTokens(MaxErrorTypesPerDeployment)).Map(errorType);

    private FrozenSet<string> ConfiguredCategories()
    {
        var current = _catalog?.Current;
        var cached = _categories;
        if (ReferenceEquals(cached.Catalog, current))
        {
            return cached.Categories;
        }

        var categories = current is null
            ? FrozenSet<string>.Empty
            : current.Deployments.Values
                .SelectMany(d => d.Options.Specializations)
                .Where(s => !string.IsNullOrWhiteSpace(s))
                .Select(s => s.Trim().ToLowerInvariant())
                .ToFrozenSet(StringComparer.Ordinal);

        // A reload replaces the catalog: recomputed once per catalog, a race only computes it twice.
        _categories = (current, categories);
        return categories;
    }

    private static bool IsToken(string value)
        => value.Length is > 0 and <= MaxTokenLength && !value.AsSpan().ContainsAnyExcept(TokenChars);

    /// <summary>The first <c>capacity</c> distinct well-formed values seen; later ones map to <see cref="Other"/>.</summary>
    private sealed class BoundedTokens(int capacity)
    {
        private readonly ConcurrentDictionary<string, bool> _seen = new(StringComparer.Ordinal);

        public string Map(string value)
        {
            if (_seen.ContainsKey(value))
            {
                return value;
            }

            if (!IsToken(value) || _seen.Count >= capacity)
            {
                return Other;
            }

            // Concurrent first sightings may overshoot the capacity by a few values, never without bound.
            _seen.TryAdd(value, true);
            return value;
        }
    }
}
