using LlmRouter.Providers.Gemini;

namespace LlmRouter.Tests.Providers.Gemini;

public sealed class ThoughtSignatureStoreTests
{
    [Fact]
    public void Add_BeyondCapacity_EvictsOldestFirst()
    {
        var store = new ThoughtSignatureStore(capacity: 2);

        store.Add("a", "1");
        store.Add("b", "2");
        store.Add("c", "3");

        Assert.False(store.TryGet("a", out _));
        Assert.True(store.TryGet("b", out var b));
        Assert.Equal("2", b);
        Assert.True(store.TryGet("c", out var c));
        Assert.Equal("3", c);
        Assert.Equal(2, store.Count);
    }

    [Fact]
    public void Add_SameIdTwice_KeepsLatestSignatureOnce()
    {
        var store = new ThoughtSignatureStore(capacity: 4);

        store.Add("a", "old");
        store.Add("a", "new");

        Assert.True(store.TryGet("a", out var signature));
        Assert.Equal("new", signature);
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public void Add_ConcurrentWriters_StayWithinCapacity()
    {
        var store = new ThoughtSignatureStore(capacity: 100);

        Parallel.For(0, 20_000, i => store.Add("call_" + i, "sig" + i));

        Assert.InRange(store.Count, 1, 100);
        Assert.True(store.TryGet("call_19999", out _) || store.Count == 100);
    }

    [Fact]
    public void Constructor_NonPositiveCapacity_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new ThoughtSignatureStore(0));

    [Fact]
    public void Add_BeyondTotalChars_EvictsOldestUntilWithinBound()
    {
        var store = new ThoughtSignatureStore(capacity: 100, maxTotalChars: 25);

        store.Add("a", new string('x', 9));
        store.Add("b", new string('y', 9));
        store.Add("c", new string('z', 9));

        Assert.False(store.TryGet("a", out _));
        Assert.True(store.TryGet("c", out _));
        Assert.InRange(store.TotalChars, 1, 25);
    }

    [Fact]
    public void Add_SignatureLargerThanTheWholeBound_IsNotStoredAndEvictsNothing()
    {
        var store = new ThoughtSignatureStore(capacity: 10, maxTotalChars: 100);
        store.Add("a", "1");

        store.Add("b", new string('x', 200));

        Assert.False(store.TryGet("b", out _));
        Assert.True(store.TryGet("a", out _));
        Assert.Equal(2, store.TotalChars);
    }

    [Fact]
    public void Add_ConcurrentLargeSignatures_StayWithinTotalChars()
    {
        var store = new ThoughtSignatureStore(capacity: 10_000, maxTotalChars: 10_000);

        Parallel.For(0, 5_000, i => store.Add("call_" + i, new string('s', 100 + (i % 50))));

        // Concurrent adders may overshoot for an instant; once they are done every cap holds.
        Assert.InRange(store.TotalChars, 1, 10_000);
    }
}
