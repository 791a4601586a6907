using LlmRouter.Routing.Stats;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests.Routing.Stats;

public sealed class DeploymentStatsTests
{
    [Fact]
    public void Record_RepeatedFailures_RaiseErrorRateWithinTenRequests()
    {
        var time = new FakeTimeProvider();
        var stats = new DeploymentStats("d", time);
        for (var i = 0; i < 20; i++)
        {
            stats.Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(100)));
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        for (var i = 0; i < 10; i++)
        {
            stats.Record(new UpstreamOutcome(false, 500, TimeSpan.FromMilliseconds(100)));
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.InRange(stats.Snapshot().ErrorRate, 0.6, 0.7);
    }

    [Fact]
    public void Snapshot_Idle_ErrorRateDecaysAndLastSampleIsReported()
    {
        var time = new FakeTimeProvider();
        var stats = new DeploymentStats("d", time);
        stats.Record(new UpstreamOutcome(false, 503, TimeSpan.FromMilliseconds(100)));
        var recordedAt = time.GetUtcNow();

        time.Advance(TimeSpan.FromSeconds(30));
        var snapshot = stats.Snapshot();

        Assert.InRange(snapshot.ErrorRate, 0, 0.06);
        Assert.Equal(recordedAt, snapshot.LastSampleAt);
        Assert.Equal("http_503", snapshot.LastError);
    }

    [Fact]
    public void TryClaimProbe_OnlyOneCallerPerIdleInterval()
    {
        var time = new FakeTimeProvider();
        var stats = new DeploymentStats("d", time);
        var interval = TimeSpan.FromSeconds(5).Ticks;
        var now = time.GetUtcNow().UtcTicks;

        var winners = 0;
        Parallel.For(0, 1_000, _ =>
        {
            if (stats.TryClaimProbe(now, interval))
            {
                Interlocked.Increment(ref winners);
            }
        });

        Assert.Equal(1, winners);
        Assert.False(stats.TryClaimProbe(now + interval - 1, interval));
        Assert.True(stats.TryClaimProbe(now + interval, interval));
    }

    [Fact]
    public void TryClaimProbe_RecentlyMeasured_NoProbe()
    {
        var time = new FakeTimeProvider();
        var stats = new DeploymentStats("d", time);
        stats.Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(10)));

        Assert.False(stats.TryClaimProbe(time.GetUtcNow().UtcTicks + 1, TimeSpan.FromSeconds(5).Ticks));
    }

    [Fact]
    public void Snapshot_ConcurrentWriters_AlwaysConsistent()
    {
        var stats = new DeploymentStats("d", TimeProvider.System);
        using var cancel = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            var i = 0;
            while (!cancel.IsCancellationRequested)
            {
                // Latency and TTFT always move together, so a torn read would show them apart.
                var ms = (i++ % 2 == 0) ? 100 : 900;
                stats.Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(ms), TimeSpan.FromMilliseconds(ms)));
            }
        });

        for (var i = 0; i < 100_000; i++)
        {
            var snapshot = stats.Snapshot();
            if (snapshot.HasSamples)
            {
                Assert.Equal(snapshot.LatencyEwmaMs, snapshot.TimeToFirstTokenEwmaMs);
            }
        }

        cancel.Cancel();
        writer.Wait();
    }

    [Fact]
    public void IsCoolingDown_RetryAfter_UntilItExpires()
    {
        var time = new FakeTimeProvider();
        var stats = new DeploymentStats("d", time);
        stats.Record(new UpstreamOutcome(false, 429, TimeSpan.FromMilliseconds(10), RetryAfter: TimeSpan.FromSeconds(20)));

        Assert.True(stats.IsCoolingDown(time.GetUtcNow().UtcTicks));
        Assert.True(stats.Snapshot().IsCoolingDown);
        time.Advance(TimeSpan.FromSeconds(21));
        Assert.False(stats.IsCoolingDown(time.GetUtcNow().UtcTicks));
    }

    [Fact]
    public void Record_RetryAfter_AnnouncesTheCooldownForTheFleet_CoolDownFromTheFleetDoesNot()
    {
        var time = new FakeTimeProvider();
        var announced = new List<(string, DateTimeOffset)>();
        var stats = new DeploymentStats("d", time, (id, until) => announced.Add((id, until)));

        stats.CoolDown(time.GetUtcNow().AddSeconds(5));
        stats.Record(new UpstreamOutcome(true, 200, TimeSpan.FromMilliseconds(10)));
        stats.Record(new UpstreamOutcome(false, 429, TimeSpan.FromMilliseconds(10), RetryAfter: TimeSpan.FromSeconds(30)));

        Assert.Equal([("d", time.GetUtcNow().AddSeconds(30))], announced);
    }
}
