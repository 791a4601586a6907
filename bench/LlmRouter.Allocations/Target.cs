namespace LlmRouter.Allocations;

/// <summary>One request sent to one hop: a row of the allocation table.</summary>
/// <param name="Scenario">openai or anthropic: which upstream endpoint the request ends at.</param>
/// <param name="Name">direct, yarp, llmrouter or llmrouter-warn.</param>
/// <param name="Url">Where the client sends it.</param>
/// <param name="Body">The JSON body, as bench/run.sh sends it to the same target.</param>
/// <param name="Headers">Extra request headers (Anthropic's key and version for direct and YARP calls).</param>
/// <param name="Expected">A substring of a successful answer, checked once before measuring.</param>
internal sealed record Target(string Scenario, string Name, Uri Url, byte[] Body, IReadOnlyList<KeyValuePair<string, string>> Headers, string Expected);
