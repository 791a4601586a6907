namespace LlmRouter.Simulator;

/// <summary>Random identifiers in the providers' formats (chatcmpl-…, msg_01…, toolu_01…, req_011…).</summary>
internal static class SimulatorIds
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Create(string prefix, int randomLength) =>
        string.Create(prefix.Length + randomLength, prefix, static (span, prefix) =>
        {
            prefix.AsSpan().CopyTo(span);
            Random.Shared.GetItems<char>(Alphabet, span[prefix.Length..]);
        });

    public static long UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
