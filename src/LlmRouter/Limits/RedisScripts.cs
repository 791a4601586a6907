namespace LlmRouter.Limits;

/// <summary>
/// The Lua scripts of <see cref="RedisFleetStore"/>. Each runs atomically on the server, so a check and its
/// reservation cannot interleave with another replica's. Every key carries the <c>{llmrouter}</c> hash tag (one
/// Redis Cluster slot: a script may touch a key, its team and a deployment together) and a TTL.
/// </summary>
internal static class RedisScripts
{
    /// <summary>
    /// KEYS per scope (5): requests zset, tokens current minute, tokens previous minute, leases zset, budget counter.
    /// ARGV: now ms, request id, tokens, cost (nano-USD), lease expiry ms, scope count, then per scope (5):
    /// requests/min, tokens/min, max parallel, budget (nano-USD), budget TTL s — 0 meaning no limit.
    /// Returns {0, scope index, limit kind, retry-after ms} or {1, then per scope: requests left, requests reset ms, tokens left, tokens reset ms}.
    /// </summary>
    public const string Admit = """
        local now = tonumber(ARGV[1])
        local id = ARGV[2]
        local tokens = tonumber(ARGV[3])
        local cost = tonumber(ARGV[4])
        local leaseUntil = tonumber(ARGV[5])
        local n = tonumber(ARGV[6])
        local frac = (now % 60000) / 60000
        local toMinuteEnd = 60000 - (now % 60000)
        local function used(k)
          return math.floor(tonumber(redis.call('GET', KEYS[k + 3]) or '0') * (1 - frac) + tonumber(redis.call('GET', KEYS[k + 2]) or '0'))
        end
        for i = 0, n - 1 do
          local k = i * 5
          local a = 7 + i * 5
          local rpm, tpm, par, budget = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
          if rpm > 0 then
            redis.call('ZREMRANGEBYSCORE', KEYS[k + 1], '-inf', now - 60000)
            if redis.call('ZCARD', KEYS[k + 1]) >= rpm then
              local oldest = redis.call('ZRANGE', KEYS[k + 1], 0, 0, 'WITHSCORES')
              return {0, i, 1, tonumber(oldest[2]) + 60000 - now}
            end
          end
          if tpm > 0 and used(k) + tokens > tpm then
            return {0, i, 2, toMinuteEnd}
          end
          if par > 0 then
            redis.call('ZREMRANGEBYSCORE', KEYS[k + 4], '-inf', now)
            if redis.call('ZCARD', KEYS[k + 4]) >= par then
              return {0, i, 3, 1000}
            end
          end
          if budget > 0 and tonumber(redis.call('GET', KEYS[k + 5]) or '0') + cost > budget then
            return {0, i, 4, 0}
          end
        end
        local out = {1}
        for i = 0, n - 1 do
          local k = i * 5
          local a = 7 + i * 5
          local rpm, tpm, par, budget = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
          local left, reset, tleft = -1, 0, -1
          if rpm > 0 then
            redis.call('ZADD', KEYS[k + 1], now, id)
            redis.call('PEXPIRE', KEYS[k + 1], 61000)
            left = rpm - redis.call('ZCARD', KEYS[k + 1])
            local oldest = redis.call('ZRANGE', KEYS[k + 1], 0, 0, 'WITHSCORES')
            reset = tonumber(oldest[2]) + 60000 - now
          end
          redis.call('INCRBY', KEYS[k + 2], tokens)
          redis.call('PEXPIRE', KEYS[k + 2], 180000)
          if tpm > 0 then
            tleft = math.max(0, tpm - used(k))
          end
          if par > 0 then
            redis.call('ZADD', KEYS[k + 4], leaseUntil, id)
            redis.call('PEXPIRE', KEYS[k + 4], math.max(leaseUntil - now, 1000) * 2)
          end
          if budget > 0 then
            redis.call('INCRBY', KEYS[k + 5], cost)
            redis.call('EXPIRE', KEYS[k + 5], tonumber(ARGV[a + 4]))
          end
          table.insert(out, left)
          table.insert(out, reset)
          table.insert(out, tleft)
          table.insert(out, toMinuteEnd)
        end
        return out
        """;

    /// <summary>
    /// KEYS per scope (4): tokens minute of admission, leases zset, budget counter of admission, totals hash;
    /// then deployment requests zset, deployment tokens current minute, deployment tokens previous minute, cooldowns hash.
    /// ARGV: now ms, request id, token correction, cost correction (nano), real tokens, real cost (nano), scope count,
    /// deployment id, deployment requests/min, deployment tokens/min (0: none).
    /// Returns the time (ms) until which the deployment is at quota, or 0.
    /// </summary>
    public const string Settle = """
        local now = tonumber(ARGV[1])
        local id = ARGV[2]
        local dTokens, dCost = tonumber(ARGV[3]), tonumber(ARGV[4])
        local tokens, cost = tonumber(ARGV[5]), tonumber(ARGV[6])
        local n = tonumber(ARGV[7])
        for i = 0, n - 1 do
          local k = i * 4
          if dTokens ~= 0 and redis.call('EXISTS', KEYS[k + 1]) == 1 then
            redis.call('INCRBY', KEYS[k + 1], dTokens)
          end
          redis.call('ZREM', KEYS[k + 2], id)
          if dCost ~= 0 and redis.call('EXISTS', KEYS[k + 3]) == 1 then
            redis.call('INCRBY', KEYS[k + 3], dCost)
          end
          redis.call('HINCRBY', KEYS[k + 4], 'requests', 1)
          redis.call('HINCRBY', KEYS[k + 4], 'tokens', tokens)
          redis.call('HINCRBY', KEYS[k + 4], 'cost', cost)
          redis.call('EXPIRE', KEYS[k + 4], 34560000)
        end
        local dep = ARGV[8]
        local rpm, tpm = tonumber(ARGV[9]), tonumber(ARGV[10])
        if dep == '' or (rpm == 0 and tpm == 0) then
          return 0
        end
        local d = n * 4
        local untilMs = 0
        redis.call('ZREMRANGEBYSCORE', KEYS[d + 1], '-inf', now - 60000)
        redis.call('ZADD', KEYS[d + 1], now, id)
        redis.call('PEXPIRE', KEYS[d + 1], 61000)
        redis.call('INCRBY', KEYS[d + 2], tokens)
        redis.call('PEXPIRE', KEYS[d + 2], 180000)
        if rpm > 0 and redis.call('ZCARD', KEYS[d + 1]) >= rpm then
          local oldest = redis.call('ZRANGE', KEYS[d + 1], 0, 0, 'WITHSCORES')
          untilMs = tonumber(oldest[2]) + 60000
        end
        if tpm > 0 then
          local frac = (now % 60000) / 60000
          local usedTokens = tonumber(redis.call('GET', KEYS[d + 3]) or '0') * (1 - frac) + tonumber(redis.call('GET', KEYS[d + 2]) or '0')
          if usedTokens >= tpm then
            untilMs = math.max(untilMs, now - (now % 60000) + 60000)
          end
        end
        if untilMs > 0 then
          local current = tonumber(redis.call('HGET', KEYS[d + 4], dep) or '0')
          if untilMs > current then
            redis.call('HSET', KEYS[d + 4], dep, untilMs)
          end
          redis.call('PEXPIRE', KEYS[d + 4], 3600000)
        end
        return untilMs
        """;

    /// <summary>KEYS: cooldowns hash. ARGV: deployment id, until ms. Extends, never shortens.</summary>
    public const string CoolDown = """
        local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
        if tonumber(ARGV[2]) > current then
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        end
        redis.call('PEXPIRE', KEYS[1], 3600000)
        return 1
        """;

    /// <summary>KEYS: cooldowns hash, keys-version counter. Returns {version, id1, until1, ...}.</summary>
    public const string Poll = """
        local out = {tonumber(redis.call('GET', KEYS[2]) or '0')}
        local all = redis.call('HGETALL', KEYS[1])
        for i = 1, #all do
          table.insert(out, all[i])
        end
        return out
        """;

    /// <summary>KEYS: leases zsets (one per lease). ARGV: new expiry ms, then the lease ids. Renews only live leases.</summary>
    public const string Renew = """
        for i = 1, #KEYS do
          if redis.call('ZSCORE', KEYS[i], ARGV[i + 1]) then
            redis.call('ZADD', KEYS[i], 'XX', ARGV[1], ARGV[i + 1])
            redis.call('PEXPIRE', KEYS[i], 600000)
          end
        end
        return 1
        """;
}
