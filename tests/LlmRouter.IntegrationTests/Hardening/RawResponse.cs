namespace LlmRouter.IntegrationTests.Hardening;

/// <summary>What came back on a raw connection: status 0 when the server closed it without an answer.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public static readonly RawResponse None = new(0, new Dictionary<string, string>(), []);
}
