using System.Text;
using LlmRouter.Configuration;
using StackExchange.Redis;

namespace LlmRouter.Limits;

/// <summary>
/// The Redis keys of one scope, built once (UTF-8 bytes, so they are not encoded again on every call) instead of
/// formatted per request; the per-minute token keys and the budget-period key are kept for the current window.
/// </summary>
internal sealed class RedisScopeKeys
{
    private readonly string _prefix;
    private volatile TokenKeys? _tokens;
    private volatile BudgetKey? _budget;

    public RedisScopeKeys(string tag, string scopeId)
    {
        _prefix = tag + ":";
        // Not "rpm:": that key held a sorted set before, and old and new replicas may run side by side during a rollout.
        Requests = Key($"rpmw:{scopeId}");
        Leases = Key($"leases:{scopeId}");
        Totals = Key($"totals:{scopeId}");
        ScopeId = scopeId;
    }

    public string ScopeId { get; }

    /// <summary>The requests window (a hash of per-second buckets, see <see cref="RedisScripts"/>).</summary>
    public RedisKey Requests { get; }

    public RedisKey Leases { get; }

    public RedisKey Totals { get; }

    /// <summary>The token counter of a fixed minute.</summary>
    public RedisKey Tokens(long minute)
    {
        var cached = _tokens;
        if (cached is null || cached.Minute != minute)
        {
            // The window moves a minute at a time: the previous current minute becomes the previous one.
            var previous = cached is not null && cached.Minute == minute - 1 ? cached.Current : Key($"tpm:{ScopeId}:{minute - 1}");
            cached = new TokenKeys(minute, Key($"tpm:{ScopeId}:{minute}"), previous);
            _tokens = cached;
        }

        return cached.Current;
    }

    /// <summary>The token counter of the minute before <paramref name="minute"/>.</summary>
    public RedisKey PreviousTokens(long minute)
    {
        var cached = _tokens;
        return cached is not null && cached.Minute == minute ? cached.Previous : Key($"tpm:{ScopeId}:{minute - 1}");
    }

    /// <summary>The token counter of any minute (settlements name the minute of their admission), without caching it.</summary>
    public RedisKey TokensAt(long minute)
    {
        var cached = _tokens;
        return cached is null ? Key($"tpm:{ScopeId}:{minute}")
            : cached.Minute == minute ? cached.Current
            : cached.Minute == minute + 1 ? cached.Previous
            : Key($"tpm:{ScopeId}:{minute}");
    }

    /// <summary>The spend counter of the budget period that contains <paramref name="at"/>.</summary>
    public RedisKey Budget(BudgetWindow window, DateTimeOffset at)
    {
        var day = at.UtcDateTime.Date;
        var cached = _budget;
        if (cached is null || cached.Window != window || cached.Day != day)
        {
            cached = new BudgetKey(window, day, Key($"budget:{ScopeId}:{LimitWindows.BudgetPeriod(window, at)}"));
            _budget = cached;
        }

        return cached.Key;
    }

    private RedisKey Key(string suffix) => Encoding.UTF8.GetBytes(_prefix + suffix);

    private sealed record TokenKeys(long Minute, RedisKey Current, RedisKey Previous);

    private sealed record BudgetKey(BudgetWindow Window, DateTime Day, RedisKey Key);
}
