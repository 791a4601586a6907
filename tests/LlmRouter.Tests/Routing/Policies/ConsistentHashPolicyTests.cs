using LlmRouter.Configuration;
using LlmRouter.Routing.Policies;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;
using static LlmRouter.Tests.Routing.RoutingTestKit;

namespace LlmRouter.Tests.Routing.Policies;

public sealed class ConsistentHashPolicyTests
{
    private const int KeyCount = 10_000;

    private static string PickByHeader(ConsistentHashPolicy policy, ClusterState cluster, IReadOnlyList<DestinationState> destinations, string key)
        => policy.PickDestination(Context(null, (RoutingRequestHeaders.HashKey, key)), cluster, destinations)!.DestinationId;

    private static Dictionary<string, string> Assign(IReadOnlyList<DestinationState> destinations)
    {
        var policy = new ConsistentHashPolicy();
        var cluster = Cluster();
        return Enumerable.Range(0, KeyCount).ToDictionary(i => "key-" + i, i => PickByHeader(policy, cluster, destinations, "key-" + i));
    }

    [Fact]
    public void PickDestination_SameKey_SameDeploymentAcrossCallsAndInstances()
    {
        var first = new ConsistentHashPolicy();
        var second = new ConsistentHashPolicy();

        // The second "gateway instance" has its own state objects and lists its destinations in another order.
        var firstDestinations = Destinations("a", "b", "c");
        var secondDestinations = Destinations("c", "a", "b");
        for (var i = 0; i < 200; i++)
        {
            var key = "conversation-" + i;
            var expected = PickByHeader(first, Cluster(), firstDestinations, key);
            Assert.Equal(expected, PickByHeader(first, Cluster(), firstDestinations, key));
            Assert.Equal(expected, PickByHeader(second, Cluster("other"), secondDestinations, key));
        }
    }

    [Fact]
    public void PickDestination_KeysSpreadOverAllDeployments()
    {
        var counts = Assign(Destinations("a", "b", "c")).Values.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count());

        Assert.All(counts.Values, count => Assert.InRange(count, KeyCount * 0.25, KeyCount * 0.42));
    }

    [Fact]
    public void PickDestination_AddingFourthDeployment_MovesAboutAQuarterOfKeys_AllToTheNewOne()
    {
        var before = Assign(Destinations("a", "b", "c"));
        var after = Assign(Destinations("a", "b", "c", "d"));

        var moved = before.Keys.Where(k => before[k] != after[k]).ToList();

        Assert.InRange(moved.Count / (double)KeyCount, 0.25 - 0.06, 0.25 + 0.06);
        Assert.All(moved, k => Assert.Equal("d", after[k]));
    }

    [Fact]
    public void PickDestination_RemovingADeployment_MovesOnlyItsKeys()
    {
        var before = Assign(Destinations("a", "b", "c"));
        var after = Assign(Destinations("a", "c"));

        var moved = before.Keys.Where(k => before[k] != after[k]).ToList();

        Assert.InRange(moved.Count / (double)KeyCount, (1 / 3.0) - 0.07, (1 / 3.0) + 0.07);
        Assert.All(moved, k => Assert.Equal("b", before[k]));
    }

    [Fact]
    public void PickDestination_HotKeyUnderConcurrentLoad_NeverExceedsBoundedLoadCap()
    {
        var policy = new ConsistentHashPolicy();
        var cluster = Cluster();
        var destinations = Destinations("a", "b", "c", "d");
        var random = new Random(42);
        var inFlight = new List<DestinationState>();

        for (var i = 0; i < 5_000; i++)
        {
            // Requests complete at random, so between 0 and a few hundred are in flight at any time.
            while (inFlight.Count > 0 && random.NextDouble() < 0.45)
            {
                var done = random.Next(inFlight.Count);
                inFlight[done].ConcurrentRequestCount--;
                inFlight.RemoveAt(done);
            }

            var total = destinations.Sum(d => d.ConcurrentRequestCount);
            var cap = Math.Ceiling(ConsistentHashPolicy.DefaultLoadFactor * (total + 1) / destinations.Length);

            // Most traffic shares one key, the worst case for plain consistent hashing.
            var key = random.NextDouble() < 0.8 ? "hot" : "key-" + i;
            var chosen = policy.PickDestination(Context(null, (RoutingRequestHeaders.HashKey, key)), cluster, destinations)!;
            chosen.ConcurrentRequestCount++;
            inFlight.Add(chosen);

            Assert.True(chosen.ConcurrentRequestCount <= cap, $"{chosen.DestinationId} reached {chosen.ConcurrentRequestCount} in flight, cap {cap}");
        }
    }

    [Fact]
    public void PickDestination_ParallelPicksWithInFlightTracking_StayNearTheCap()
    {
        var policy = new ConsistentHashPolicy();
        var cluster = Cluster();
        var destinations = Destinations("a", "b", "c");
        const int Requests = 3_000;
        const int Threads = 4;

        Parallel.For(0, Requests, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ =>
        {
            var chosen = policy.PickDestination(Context(null, (RoutingRequestHeaders.HashKey, "hot")), cluster, destinations)!;
            lock (chosen)
            {
                chosen.ConcurrentRequestCount++;
            }
        });

        // Pick and increment are not one atomic step (YARP increments after the pick), so each racing thread may overshoot by one.
        var cap = Math.Ceiling(ConsistentHashPolicy.DefaultLoadFactor * Requests / destinations.Length);
        Assert.All(destinations, d => Assert.True(d.ConcurrentRequestCount <= cap + Threads, $"{d.DestinationId}: {d.ConcurrentRequestCount} > {cap}"));
        Assert.Equal(Requests, destinations.Sum(d => d.ConcurrentRequestCount));
    }

    [Fact]
    public void PickDestination_UserField_KeysWhenNoHeader()
    {
        var catalog = Catalog(ShippedDeployments());
        var policy = new ConsistentHashPolicy();
        var destinations = Destinations("gpt-4", "gemini", "claude");
        var owners = Enumerable.Range(0, 30)
            .Select(i => policy.PickDestination(Context(Feature(catalog, UserBody("prompt " + i, user: "user-7"))), Cluster(), destinations)!.DestinationId)
            .Distinct();

        Assert.Single(owners);
    }

    [Fact]
    public void PickDestination_PromptPrefix_KeepsAConversationOnOneDeployment()
    {
        var catalog = Catalog(ShippedDeployments());
        var policy = new ConsistentHashPolicy();
        var destinations = Destinations("gpt-4", "gemini", "claude");
        var owners = new HashSet<string>();
        for (var turn = 0; turn < 5; turn++)
        {
            var history = string.Concat(Enumerable.Range(0, turn).Select(t => $$""",{"role":"assistant","content":"answer {{t}}"},{"role":"user","content":"follow-up {{t}}"}"""));
            var body = $$"""{"model":"route","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Plan a trip to Rome"}{{history}}]}""";
            owners.Add(policy.PickDestination(Context(Feature(catalog, body)), Cluster(), destinations)!.DestinationId);
        }

        Assert.Single(owners);
    }

    [Fact]
    public void PickDestination_PromptPrefix_DifferentSystemPromptsSpread()
    {
        var catalog = Catalog(ShippedDeployments());
        var policy = new ConsistentHashPolicy();
        var destinations = Destinations("gpt-4", "gemini", "claude");

        var owners = Enumerable.Range(0, 60)
            .Select(i => policy.PickDestination(Context(Feature(catalog, UserBody("same question", system: "persona " + i))), Cluster(), destinations)!.DestinationId)
            .Distinct();

        Assert.Equal(3, owners.Count());
    }

    [Fact]
    public void PickDestination_RouteKeySources_HonourConfiguredHeader()
    {
        var route = new RouteOptions { HashKeySources = ["header:x-tenant"] };
        var catalog = Catalog(ShippedDeployments(), route);
        var policy = new ConsistentHashPolicy();
        var destinations = Destinations("gpt-4", "gemini", "claude");
        var feature = Feature(catalog, UserBody("question", user: "someone"), explain: true);

        policy.PickDestination(Context(feature, ("x-tenant", "tenant-1")), Cluster(), destinations);

        Assert.Equal("header:x-tenant", feature.Decision!.Facts["hashKeySource"]);
    }

    [Fact]
    public void PickDestination_Explain_NamesKeySourceAndCap()
    {
        var feature = Feature(Catalog(ShippedDeployments()), UserBody("question", user: "u-1"), explain: true);

        var chosen = new ConsistentHashPolicy().PickDestination(Context(feature), Cluster(), Destinations("gpt-4", "gemini", "claude"));

        Assert.Equal("user", feature.Decision!.Facts["hashKeySource"]);
        Assert.Contains("loadCap", feature.Decision.Facts.Keys);
        Assert.Equal(chosen!.DestinationId, feature.Decision.Chosen);
        Assert.Equal(3, feature.Decision.Candidates.Count);
    }

    [Fact]
    public void PickDestination_NoKeyAtAll_PicksLeastLoaded()
    {
        var destinations = Destinations("a", "b", "c");
        destinations[0].ConcurrentRequestCount = 2;
        destinations[2].ConcurrentRequestCount = 1;

        Assert.Equal("b", new ConsistentHashPolicy().PickDestination(new DefaultHttpContext(), Cluster(), destinations)!.DestinationId);
    }
}
