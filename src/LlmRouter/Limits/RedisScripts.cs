namespace LlmRouter.Limits;

/// <summary>
/// The Lua scripts of <see cref="RedisFleetStore"/>. Each runs atomically on the server, so a check and its
/// reservation cannot interleave with another replica's. Every key carries the <c>{llmrouter}</c> hash tag (one
/// Redis Cluster slot: a script may touch a key, its team and a deployment together) and a TTL.
/// </summary>
internal static class RedisScripts
{
    /// <summary>
    /// The requests-per-minute window of a scope, a hash whose size does not grow with the rate: <c>n</c> requests
    /// counted, <c>h</c> the oldest bucket, and per second bucket <c>b</c> its count <c>c&lt;b&gt;</c> and latest
    /// admission <c>t&lt;b&gt;</c> (ms). A bucket leaves the window 60 s after its latest admission, so a request
    /// counts for at least 60 s and at most 61 s: the fleet never exceeds a limit in any 60 s, and Retry-After is
    /// when a place really frees. Pruning walks forward from <c>h</c>, amortised O(1) per call; numbers reach Redis
    /// as strings where they can (Redis 7.0 formats Lua numbers with snprintf).
    /// </summary>
    private const string Window = """
        local function window(key, now, tfield)
          local v = redis.call('HMGET', key, 'n', 'h', tfield)
          local n, h = tonumber(v[1]) or 0, v[2]
          if n <= 0 or not h then
            return 0, nil, nil, nil
          end
          local moved, guard = false, 0
          while n > 0 and guard < 200 do
            local b = redis.call('HMGET', key, 'c' .. h, 't' .. h)
            if b[1] then
              local t = tonumber(b[2]) or now
              if t + 60000 > now then
                if moved then
                  redis.call('HSET', key, 'n', tostring(n), 'h', h)
                end
                return n, h, t, v[3]
              end
              n = n - tonumber(b[1])
              redis.call('HDEL', key, 'c' .. h, 't' .. h)
              if 't' .. h == tfield then
                v[3] = nil
              end
            end
            h = tostring(tonumber(h) + 1)
            moved = true
            guard = guard + 1
          end
          if n > 0 then
            redis.call('HSET', key, 'n', tostring(n), 'h', h)
            return n, h, now, nil
          end
          redis.call('DEL', key)
          return 0, nil, nil, nil
        end
        local function count(key, now, nowS, bucket, h, tb)
          if h and tonumber(bucket) < tonumber(h) then
            bucket = h
            tb = redis.call('HGET', key, 't' .. h)
          end
          redis.call('HINCRBY', key, 'c' .. bucket, '1')
          if not tb or tonumber(tb) < now then
            redis.call('HSET', key, 't' .. bucket, nowS)
          end
          if h then
            redis.call('HINCRBY', key, 'n', '1')
          else
            redis.call('HSET', key, 'n', '1', 'h', bucket)
          end
          redis.call('PEXPIRE', key, '61000')
        end
        """;

    /// <summary>
    /// Admits a batch of requests in order, each checked against all its scopes and reserved in all of them only
    /// when all admit, as if one by one. Each key is read once per batch and written once per batch (a busy key's
    /// batch costs about what one admission did): the checks run against the values read plus what earlier
    /// admissions of the batch reserved. ARGV: admission count, then per admission (7): now ms, requests bucket
    /// (now / 1000), request id, tokens, cost (nano-USD), lease expiry ms, scope count; then per scope (5):
    /// requests/min, tokens/min, max parallel, budget (nano-USD), budget TTL s — 0 meaning no limit. KEYS per
    /// admission per scope (5): requests window, tokens current minute, tokens previous minute, leases zset, budget
    /// counter. Returns per admission {0, scope index, limit kind, retry-after ms} or {1, then per scope: requests
    /// left, requests reset ms, tokens left, tokens reset ms}, concatenated.
    /// </summary>
    public const string Admit = Window + "\n" + """
        local windows, windowOrder = {}, {}
        local counters, counterOrder = {}, {}
        local leaseSets, leaseOrder = {}, {}
        local function win(key, now, bucket)
          local w = windows[key]
          if not w then
            local n, h, t, tb = window(key, now, 't' .. bucket)
            w = {n = n, h = h, t = t, tbucket = bucket, tb = tb, added = 0, adds = {}, buckets = {}}
            windows[key] = w
            table.insert(windowOrder, key)
          end
          return w
        end
        local function counter(key)
          local c = counters[key]
          if not c then
            c = {add = 0}
            counters[key] = c
            table.insert(counterOrder, key)
          end
          return c
        end
        local function value(key)
          local c = counter(key)
          if not c.v then
            c.v = tonumber(redis.call('GET', key) or '0')
          end
          return c.v + c.add
        end
        local function leaseSet(key, nowS)
          local z = leaseSets[key]
          if not z then
            redis.call('ZREMRANGEBYSCORE', key, '-inf', nowS)
            z = {n = redis.call('ZCARD', key), args = {}, ttl = 0}
            leaseSets[key] = z
            table.insert(leaseOrder, key)
          end
          return z
        end
        local out = {}
        local a, k = 2, 0
        for r = 1, tonumber(ARGV[1]) do
          local nowS, bucket, id = ARGV[a], ARGV[a + 1], ARGV[a + 2]
          local tokens, cost, leaseUntil, n = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), ARGV[a + 5], tonumber(ARGV[a + 6])
          local now = tonumber(nowS)
          local frac = (now % 60000) / 60000
          local toMinuteEnd = 60000 - (now % 60000)
          a = a + 7
          local refused, used = nil, {}
          for i = 0, n - 1 do
            local kk, aa = k + i * 5, a + i * 5
            local rpm, tpm, par, budget = tonumber(ARGV[aa]), tonumber(ARGV[aa + 1]), tonumber(ARGV[aa + 2]), tonumber(ARGV[aa + 3])
            if rpm > 0 then
              local w = win(KEYS[kk + 1], now, bucket)
              if w.n + w.added >= rpm then
                refused = {0, i, 1, (w.t or w.adds[w.buckets[1]].latest) + 60000 - now}
                break
              end
            end
            if tpm > 0 then
              used[i] = math.floor(value(KEYS[kk + 3]) * (1 - frac) + value(KEYS[kk + 2]))
              if used[i] + tokens > tpm then
                refused = {0, i, 2, toMinuteEnd}
                break
              end
            end
            if par > 0 then
              local z = leaseSet(KEYS[kk + 4], nowS)
              if z.n >= par then
                refused = {0, i, 3, 1000}
                break
              end
            end
            if budget > 0 and value(KEYS[kk + 5]) + cost > budget then
              refused = {0, i, 4, 0}
              break
            end
          end
          if refused then
            for j = 1, 4 do
              table.insert(out, refused[j])
            end
          else
            table.insert(out, 1)
            for i = 0, n - 1 do
              local kk, aa = k + i * 5, a + i * 5
              local rpm, tpm, par, budget = tonumber(ARGV[aa]), tonumber(ARGV[aa + 1]), tonumber(ARGV[aa + 2]), tonumber(ARGV[aa + 3])
              local left, reset, tleft = -1, 0, -1
              if rpm > 0 then
                local w = win(KEYS[kk + 1], now, bucket)
                local b = bucket
                if w.h and tonumber(b) < tonumber(w.h) then
                  b = w.h
                end
                local add = w.adds[b]
                if not add then
                  add = {count = 0, latest = now}
                  w.adds[b] = add
                  table.insert(w.buckets, b)
                end
                add.count = add.count + 1
                add.latest = math.max(add.latest, now)
                left = rpm - w.n - w.added - 1
                w.added = w.added + 1
                reset = (w.t or w.adds[w.buckets[1]].latest) + 60000 - now
              end
              local c = counter(KEYS[kk + 2])
              c.add = c.add + tokens
              c.ttl = 'p'
              if tpm > 0 then
                tleft = math.max(0, tpm - used[i] - tokens)
              end
              if par > 0 then
                local z = leaseSet(KEYS[kk + 4], nowS)
                z.n = z.n + 1
                table.insert(z.args, leaseUntil)
                table.insert(z.args, id)
                z.ttl = math.max(z.ttl, math.max(tonumber(leaseUntil) - now, 1000) * 2)
              end
              if budget > 0 then
                local bc = counter(KEYS[kk + 5])
                bc.add = bc.add + cost
                bc.ttl = ARGV[aa + 4]
              end
              table.insert(out, left)
              table.insert(out, reset)
              table.insert(out, tleft)
              table.insert(out, toMinuteEnd)
            end
          end
          a = a + n * 5
          k = k + n * 5
        end
        for _, key in ipairs(windowOrder) do
          local w = windows[key]
          if w.added > 0 then
            for _, b in ipairs(w.buckets) do
              local add = w.adds[b]
              redis.call('HINCRBY', key, 'c' .. b, add.count)
              local existing = b == w.tbucket and w.tb or redis.call('HGET', key, 't' .. b)
              if not existing or tonumber(existing) < add.latest then
                redis.call('HSET', key, 't' .. b, add.latest)
              end
            end
            if w.h then
              redis.call('HINCRBY', key, 'n', w.added)
            else
              redis.call('HSET', key, 'n', w.added, 'h', w.buckets[1])
            end
            redis.call('PEXPIRE', key, '61000')
          end
        end
        for _, key in ipairs(counterOrder) do
          local c = counters[key]
          if c.ttl == 'p' then
            if redis.call('INCRBY', key, c.add) == c.add then
              redis.call('PEXPIRE', key, '180000')
            end
          elseif c.ttl then
            redis.call('INCRBY', key, c.add)
            redis.call('EXPIRE', key, c.ttl)
          end
        end
        for _, key in ipairs(leaseOrder) do
          local z = leaseSets[key]
          if #z.args > 0 then
            redis.call('ZADD', key, unpack(z.args))
            redis.call('PEXPIRE', key, z.ttl)
          end
        end
        return out
        """;

    /// <summary>
    /// Settles a batch of finished requests, already summed per key by the caller. ARGV: counter count, lease-set
    /// count, totals count; then per counter its correction (tokens of an admission minute, or a budget period's
    /// nano-USD: applied only while the counter lives, so an expired window is not revived without a TTL); per lease
    /// set the number of ids, then the ids; per totals hash requests, tokens, cost (nano-USD). KEYS: the counters,
    /// the lease sets, the totals hashes, in that order.
    /// </summary>
    public const string SettleBatch = """
        local nc, nl, nt = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
        local a = 4
        for i = 1, nc do
          if redis.call('EXISTS', KEYS[i]) == 1 then
            redis.call('INCRBY', KEYS[i], ARGV[a])
          end
          a = a + 1
        end
        for i = nc + 1, nc + nl do
          local c = tonumber(ARGV[a])
          redis.call('ZREM', KEYS[i], unpack(ARGV, a + 1, a + c))
          a = a + 1 + c
        end
        for i = nc + nl + 1, nc + nl + nt do
          redis.call('HINCRBY', KEYS[i], 'requests', ARGV[a])
          redis.call('HINCRBY', KEYS[i], 'tokens', ARGV[a + 1])
          redis.call('HINCRBY', KEYS[i], 'cost', ARGV[a + 2])
          redis.call('EXPIRE', KEYS[i], '34560000')
          a = a + 3
        end
        return 1
        """;

    /// <summary>
    /// Settles one request and counts it against a deployment's quota. KEYS per scope (4): tokens minute of
    /// admission, leases zset, budget counter of admission, totals hash; then deployment requests window,
    /// deployment tokens current minute, deployment tokens previous minute, cooldowns hash. ARGV: now ms, request
    /// id, token correction, cost correction (nano), real tokens, real cost (nano), scope count, deployment id,
    /// deployment requests/min, deployment tokens/min (0: none), requests bucket (now / 1000).
    /// Returns the time (ms) until which the deployment is at quota, or 0.
    /// </summary>
    public const string Settle = Window + "\n" + """
        local now = tonumber(ARGV[1])
        local id = ARGV[2]
        local dTokens, dCost = tonumber(ARGV[3]), tonumber(ARGV[4])
        local tokens, cost = tonumber(ARGV[5]), tonumber(ARGV[6])
        local n = tonumber(ARGV[7])
        for i = 0, n - 1 do
          local k = i * 4
          if dTokens ~= 0 and redis.call('EXISTS', KEYS[k + 1]) == 1 then
            redis.call('INCRBY', KEYS[k + 1], ARGV[3])
          end
          redis.call('ZREM', KEYS[k + 2], id)
          if dCost ~= 0 and redis.call('EXISTS', KEYS[k + 3]) == 1 then
            redis.call('INCRBY', KEYS[k + 3], ARGV[4])
          end
          redis.call('HINCRBY', KEYS[k + 4], 'requests', '1')
          redis.call('HINCRBY', KEYS[k + 4], 'tokens', ARGV[5])
          redis.call('HINCRBY', KEYS[k + 4], 'cost', ARGV[6])
          redis.call('EXPIRE', KEYS[k + 4], '34560000')
        end
        local dep = ARGV[8]
        local rpm, tpm = tonumber(ARGV[9]), tonumber(ARGV[10])
        if dep == '' or (rpm == 0 and tpm == 0) then
          return 0
        end
        local d = n * 4
        local untilMs = 0
        local bucket = ARGV[11]
        local c, h, t, tb = window(KEYS[d + 1], now, 't' .. bucket)
        count(KEYS[d + 1], now, ARGV[1], bucket, h, tb)
        redis.call('INCRBY', KEYS[d + 2], ARGV[5])
        redis.call('PEXPIRE', KEYS[d + 2], '180000')
        if rpm > 0 and c + 1 >= rpm then
          untilMs = (t or now) + 60000
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
