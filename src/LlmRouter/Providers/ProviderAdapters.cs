using LlmRouter.Configuration;

namespace LlmRouter.Providers;

/// <summary>The adapter for each provider kind, looked up by index on the hot path.</summary>
internal sealed class ProviderAdapters
{
    private readonly IProviderAdapter[] _byKind;

    public ProviderAdapters(IEnumerable<IProviderAdapter> adapters)
    {
        _byKind = new IProviderAdapter[Enum.GetValues<ProviderKind>().Length];
        foreach (var adapter in adapters)
        {
            _byKind[(int)adapter.Kind] = adapter;
        }

        for (var i = 0; i < _byKind.Length; i++)
        {
            if (_byKind[i] is null)
            {
                throw new InvalidOperationException($"No provider adapter is registered for {(ProviderKind)i}.");
            }
        }
    }

    public IProviderAdapter this[ProviderKind kind] => _byKind[(int)kind];
}
