using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using LlmRouter.Chat;
using Microsoft.ML.Tokenizers;

namespace LlmRouter.Limits;

/// <summary>
/// Counts a request's prompt tokens with a real BPE tokenizer (o200k_base; cl100k_base for GPT-4 and 3.5 era names)
/// for the reservation taken at admission. Other providers' tokenizers differ by a few percent; settlement
/// replaces the estimate with the usage the provider reports.
/// Counts are remembered per text (by a 128-bit hash of its JSON bytes): clients send the same system prompts,
/// tool definitions and, turn after turn, the same conversation history again, and BPE-counting those is most of
/// what admission costs the gateway. The count is the tokenizer's own, so the estimate is unchanged.
/// </summary>
internal sealed class TokenEstimator
{
    // OpenAI's documented per-message framing (role and separators) and the reply primer.
    private const int TokensPerMessage = 4;
    private const int ReplyPrimer = 3;

    // Bounds the memory of the remembered counts (an entry is a few dozen bytes); a full cache starts again empty.
    private const int MaxRemembered = 50_000;

    private readonly Lazy<CountingTokenizer> _o200k = new(() => new CountingTokenizer(TiktokenTokenizer.CreateForEncoding("o200k_base")));
    private readonly Lazy<CountingTokenizer> _cl100k = new(() => new CountingTokenizer(TiktokenTokenizer.CreateForEncoding("cl100k_base")));

    /// <summary>Loads the default vocabulary now, so the first request does not pay for it.</summary>
    public void Warm() => _ = _o200k.Value;

    /// <summary>Completion tokens a request may produce: its <c>max_tokens</c> (or the default) for each of its <c>n</c> choices.</summary>
    public static long CompletionBound(ChatRequest request, int defaultCompletionTokens)
        => (long)(request.MaxTokens ?? defaultCompletionTokens) * Math.Max(1, request.N);

    public int CountPrompt(ChatRequest request)
    {
        var tokenizer = UsesCl100k(request.Model) ? _cl100k.Value : _o200k.Value;
        var count = ReplyPrimer;
        if (request.Messages.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in request.Messages.EnumerateArray())
            {
                count += TokensPerMessage + CountValue(tokenizer, message);
            }
        }

        if (request.Tools is { } tools)
        {
            count += tokenizer.Count(tools, static t => t.GetRawText());
        }

        return count;
    }

    private static int CountValue(CountingTokenizer tokenizer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return tokenizer.Count(element, static e => e.GetString() ?? string.Empty);
            case JsonValueKind.Array:
                var items = 0;
                foreach (var item in element.EnumerateArray())
                {
                    items += CountValue(tokenizer, item);
                }

                return items;
            case JsonValueKind.Object:
                // Text parts count their text; images and other parts a flat amount rather than their base64 bytes.
                var properties = 0;
                foreach (var property in element.EnumerateObject())
                {
                    properties += property.Name switch
                    {
                        "image_url" or "input_audio" or "file" => 85,
                        "type" => 0,
                        _ => CountValue(tokenizer, property.Value),
                    };
                }

                return properties;
            default:
                return 0;
        }
    }

    /// <summary>A tokenizer and the counts it already made, keyed by the JSON bytes of the value counted.</summary>
    private sealed class CountingTokenizer
    {
        private readonly Tokenizer _tokenizer;
        private readonly ConcurrentDictionary<UInt128, int> _counts = new();
        private int _remembered;

        public CountingTokenizer(Tokenizer tokenizer)
        {
            _tokenizer = tokenizer;
        }

        public int Count(JsonElement element, Func<JsonElement, string> text)
        {
            var key = XxHash128.HashToUInt128(JsonMarshal.GetRawUtf8Value(element));
            if (_counts.TryGetValue(key, out var count))
            {
                return count;
            }

            count = _tokenizer.CountTokens(text(element));

            // Counted alongside, not with ConcurrentDictionary.Count, which takes every lock of the table on each miss.
            if (_counts.TryAdd(key, count) && Interlocked.Increment(ref _remembered) >= MaxRemembered)
            {
                Interlocked.Exchange(ref _remembered, 0);
                _counts.Clear();
            }

            return count;
        }
    }

    private static bool UsesCl100k(string model)
        => model.StartsWith("gpt-4-", StringComparison.OrdinalIgnoreCase)
        || model.Equals("gpt-4", StringComparison.OrdinalIgnoreCase)
        || model.StartsWith("gpt-3.5", StringComparison.OrdinalIgnoreCase);
}
