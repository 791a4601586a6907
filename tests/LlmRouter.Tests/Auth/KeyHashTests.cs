using LlmRouter.Auth;

namespace LlmRouter.Tests.Auth;

public sealed class KeyHashTests
{
    [Fact]
    public void Of_IsSha256HexOfUtf8Bytes_LikeSha256sum()
    {
        // printf %s test | sha256sum
        Assert.Equal("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", KeyHash.Of("test"));
    }

    [Fact]
    public void NewKey_HasPrefixAndAtLeast32RandomBytes_AndNeverRepeats()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => KeyHash.NewKey()).ToList();

        Assert.All(keys, k => Assert.StartsWith("llmr-", k, StringComparison.Ordinal));
        Assert.All(keys, k => Assert.Equal(5 + 43, k.Length));
        Assert.All(keys, k => Assert.Matches("^llmr-[A-Za-z0-9_-]+$", k));
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
    }
}
