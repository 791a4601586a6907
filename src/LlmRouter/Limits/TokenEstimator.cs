using System.Text.Json;
using LlmRouter.Chat;
using Microsoft.ML.Tokenizers;

namespace LlmRouter.Limits;

/// <summary>
/// Counts a request's prompt tokens with a real BPE tokenizer (o200k_base; cl100k_base for GPT-4 and 3.5 era names)
/// for the reservation taken at admission. Other providers' tokenizers differ by a few percent; settlement
/// replaces the estimate with the usage the provider reports.
/// </summary>
internal sealed class TokenEstimator
{
    // OpenAI's documented per-message framing (role and separators) and the reply primer.
    private const int TokensPerMessage = 4;
    private const int ReplyPrimer = 3;

    private readonly Lazy<Tokenizer> _o200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private readonly Lazy<Tokenizer> _cl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

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
            count += tokenizer.CountTokens(tools.GetRawText());
        }

        return count;
    }

    private static int CountValue(Tokenizer tokenizer, JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => tokenizer.CountTokens(element.GetString() ?? string.Empty),
        JsonValueKind.Array => element.EnumerateArray().Sum(item => CountValue(tokenizer, item)),

        // Text parts count their text; images and other parts a flat amount rather than their base64 bytes.
        JsonValueKind.Object => element.EnumerateObject().Sum(property => property.Name switch
        {
            "image_url" or "input_audio" or "file" => 85,
            "type" => 0,
            _ => CountValue(tokenizer, property.Value),
        }),
        _ => 0,
    };

    private static bool UsesCl100k(string model)
        => model.StartsWith("gpt-4-", StringComparison.OrdinalIgnoreCase)
        || model.Equals("gpt-4", StringComparison.OrdinalIgnoreCase)
        || model.StartsWith("gpt-3.5", StringComparison.OrdinalIgnoreCase);
}
