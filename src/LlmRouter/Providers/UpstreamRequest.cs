namespace LlmRouter.Providers;

/// <summary>What an adapter sends upstream: the path and query below the deployment's base address, and the body.</summary>
/// <param name="PathAndQuery">Below the deployment's base address.</param>
/// <param name="Body">The bytes sent.</param>
/// <param name="Rented">
/// The array from <see cref="Chat.BodyBuffers"/> the body lives in, if any: whoever sends the request gives it back
/// once the response has ended.
/// </param>
internal readonly record struct UpstreamRequest(string PathAndQuery, ReadOnlyMemory<byte> Body, byte[]? Rented = null);
