namespace LlmRouter.Providers;

/// <summary>What an adapter sends upstream: the path and query below the deployment's base address, and the body.</summary>
internal readonly record struct UpstreamRequest(string PathAndQuery, ReadOnlyMemory<byte> Body);
