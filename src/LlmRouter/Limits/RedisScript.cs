using StackExchange.Redis;

namespace LlmRouter.Limits;

/// <summary>
/// One Lua script run by EVALSHA. The SHA comes from the server (SCRIPT LOAD) the first time; when the server
/// answers NOSCRIPT (restart, failover, SCRIPT FLUSH) the script is loaded again and the call repeated once.
/// </summary>
internal sealed class RedisScript
{
    private readonly string _text;
    private volatile byte[]? _sha;

    public RedisScript(string text)
    {
        _text = text;
    }

    public async Task<RedisResult> EvaluateAsync(IDatabase database, RedisKey[] keys, RedisValue[] values)
    {
        var sha = _sha ?? await LoadAsync(database);
        try
        {
            return await database.ScriptEvaluateAsync(sha, keys, values);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            sha = await LoadAsync(database);
            return await database.ScriptEvaluateAsync(sha, keys, values);
        }
    }

    private async Task<byte[]> LoadAsync(IDatabase database)
    {
        var hex = (string?)await database.ExecuteAsync("SCRIPT", "LOAD", _text)
            ?? throw new RedisException("SCRIPT LOAD returned no SHA.");
        var sha = Convert.FromHexString(hex);
        _sha = sha;
        return sha;
    }
}
