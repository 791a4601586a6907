using System.Collections.Frozen;
using LlmRouter.Configuration;
using LlmRouter.Limits;

namespace LlmRouter.Auth;

/// <summary>
/// Finds the key a client presented, by hash: configured keys from the current catalog (hot-reloaded) and
/// runtime keys as last polled from the store (so a revocation reaches every replica within one poll interval).
/// </summary>
internal sealed class KeyDirectory
{
    private readonly CatalogProvider _catalog;
    private volatile Snapshot _configured = new(null, FrozenDictionary<string, GatewayKey>.Empty);
    private volatile FrozenDictionary<string, GatewayKey> _runtime = FrozenDictionary<string, GatewayKey>.Empty;

    public KeyDirectory(CatalogProvider catalog)
    {
        _catalog = catalog;
    }

    /// <summary>True when clients must present a key: keys are configured or created, or <c>LlmRouter:Auth:Required</c>.</summary>
    public bool IsEnforced => _catalog.Current.Options.Auth.IsEnforced || _runtime.Count > 0;

    /// <summary>Configured and runtime key names (the bounded set of label values).</summary>
    public IEnumerable<GatewayKey> All => Configured().Values.Concat(_runtime.Values);

    public GatewayKey? Find(string presentedKey)
    {
        var hash = KeyHash.Of(presentedKey);
        return Configured().TryGetValue(hash, out var key) || _runtime.TryGetValue(hash, out key) ? key : null;
    }

    /// <summary>Replaces the runtime keys with what the store holds now.</summary>
    public void SetRuntimeKeys(IReadOnlyList<RuntimeKey> keys)
        => _runtime = keys.ToFrozenDictionary(k => k.Hash, k => new GatewayKey(k.Name, k.Team, k.Routes, k, IsRuntime: true), StringComparer.Ordinal);

    private FrozenDictionary<string, GatewayKey> Configured()
    {
        var catalog = _catalog.Current;
        var snapshot = _configured;
        if (ReferenceEquals(snapshot.Catalog, catalog))
        {
            return snapshot.Keys;
        }

        var keys = catalog.Options.Auth.Keys
            .Where(k => k.Value.Hash is not null)
            .ToFrozenDictionary(k => k.Value.Hash!, k => new GatewayKey(k.Key, k.Value.Team, k.Value.Routes, k.Value, IsRuntime: false), StringComparer.Ordinal);
        _configured = new Snapshot(catalog, keys);
        return keys;
    }

    private sealed record Snapshot(RouterCatalog? Catalog, FrozenDictionary<string, GatewayKey> Keys);
}
