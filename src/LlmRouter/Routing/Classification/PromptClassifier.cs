using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LlmRouter.Chat;

namespace LlmRouter.Routing.Classification;

/// <summary>
/// Multinomial naive Bayes over binarised word unigrams and bigrams with Laplace smoothing, trained once at start-up
/// from labelled example prompts. Classifying a prompt tokenises into stack buffers and sums log-likelihoods from one
/// flat table: microseconds, no allocation beyond a pooled character buffer.
/// </summary>
internal sealed class PromptClassifier
{
    /// <summary>Characters classified when no limit is configured; the opening of a long prompt states the task.</summary>
    public const int MaxClassifiedChars = 4000;

    /// <summary>Distinct features read from one prompt.</summary>
    private const int MaxFeatures = 512;

    private const double Smoothing = 1.0;

    private readonly string[] _categories;
    private readonly double[] _logPriors;

    // Feature-major: _logLikelihoods[feature * categories + category].
    private readonly double[] _logLikelihoods;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _unigrams;
    private readonly Dictionary<long, int> _bigrams;

    private PromptClassifier(string[] categories, double[] logPriors, double[] logLikelihoods, Dictionary<string, int> unigrams, Dictionary<long, int> bigrams)
    {
        _categories = categories;
        _logPriors = logPriors;
        _logLikelihoods = logLikelihoods;
        _unigrams = unigrams.GetAlternateLookup<ReadOnlySpan<char>>();
        _bigrams = bigrams;
    }

    public IReadOnlyList<string> Categories => _categories;

    /// <summary>Trains on labelled examples (category → prompts). Category names are kept as given, lower-cased.</summary>
    public static PromptClassifier Train(IReadOnlyDictionary<string, List<string>> examples)
    {
        var categories = new List<string>();
        foreach (var (category, prompts) in examples)
        {
            if (!string.IsNullOrWhiteSpace(category) && prompts.Count > 0)
            {
                categories.Add(category.Trim().ToLowerInvariant());
            }
        }

        if (categories.Count == 0)
        {
            throw new InvalidOperationException("The classifier needs at least one category with example prompts.");
        }

        categories.Sort(StringComparer.Ordinal);
        var unigrams = new Dictionary<string, int>(StringComparer.Ordinal);
        var bigrams = new Dictionary<long, int>();
        var documents = new List<(int Category, HashSet<int> Features)>();
        Span<char> buffer = stackalloc char[TokenStream.MaxTokenLength];
        foreach (var (category, prompts) in examples)
        {
            var index = categories.IndexOf(category.Trim().ToLowerInvariant());
            if (index < 0)
            {
                continue;
            }

            foreach (var prompt in prompts)
            {
                var features = new HashSet<int>();
                var previous = -1;
                var tokens = new TokenStream(prompt, buffer);
                while (tokens.MoveNext())
                {
                    var token = tokens.Current.ToString();
                    if (!unigrams.TryGetValue(token, out var unigram))
                    {
                        unigram = unigrams.Count;
                        unigrams[token] = unigram;
                    }

                    features.Add(FeatureOfUnigram(unigram));
                    if (previous >= 0)
                    {
                        var pair = BigramKey(previous, unigram);
                        if (!bigrams.TryGetValue(pair, out var bigram))
                        {
                            bigram = bigrams.Count;
                            bigrams[pair] = bigram;
                        }

                        features.Add(FeatureOfBigram(bigram));
                    }

                    previous = unigram;
                }

                documents.Add((index, features));
            }
        }

        // Unigram features are even, bigram features odd: one id space without knowing the final vocabulary sizes.
        var featureCount = Math.Max(unigrams.Count * 2, (bigrams.Count * 2) + 1);
        var classCount = categories.Count;
        var counts = new double[featureCount * classCount];
        var totals = new double[classCount];
        var docsPerClass = new double[classCount];
        foreach (var (category, features) in documents)
        {
            docsPerClass[category]++;
            foreach (var feature in features)
            {
                counts[(feature * classCount) + category]++;
                totals[category]++;
            }
        }

        var vocabulary = unigrams.Count + bigrams.Count;
        var logLikelihoods = new double[counts.Length];
        for (var feature = 0; feature < featureCount; feature++)
        {
            for (var c = 0; c < classCount; c++)
            {
                var i = (feature * classCount) + c;
                logLikelihoods[i] = Math.Log((counts[i] + Smoothing) / (totals[c] + (Smoothing * vocabulary)));
            }
        }

        var logPriors = new double[classCount];
        for (var c = 0; c < classCount; c++)
        {
            logPriors[c] = Math.Log(docsPerClass[c] / documents.Count);
        }

        return new PromptClassifier([.. categories], logPriors, logLikelihoods, unigrams, bigrams);
    }

    public ClassificationResult Classify(ReadOnlySpan<char> text)
        => ClassifyPrefix(text.Length > MaxClassifiedChars ? text[..MaxClassifiedChars] : text);

    /// <summary>Classifies the text of the request's last user message.</summary>
    public ClassificationResult Classify(ChatRequest request) => Classify(request, MaxClassifiedChars);

    /// <summary>Classifies at most <paramref name="maxChars"/> characters of the request's last user message (<c>Limits:MaxClassifiedPromptChars</c>).</summary>
    public ClassificationResult Classify(ChatRequest request, int maxChars)
    {
        var buffer = ArrayPool<char>.Shared.Rent(maxChars);
        try
        {
            var length = CopyLastUserText(request.Messages, buffer.AsSpan(0, maxChars));
            return ClassifyPrefix(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private ClassificationResult ClassifyPrefix(ReadOnlySpan<char> text)
    {
        var classCount = _categories.Length;
        Span<double> scores = classCount <= 32 ? stackalloc double[32] : new double[classCount];
        scores = scores[..classCount];
        _logPriors.CopyTo(scores);

        Span<char> buffer = stackalloc char[TokenStream.MaxTokenLength];
        Span<int> seen = stackalloc int[MaxFeatures];
        var seenCount = 0;
        var previous = -1;
        var tokens = new TokenStream(text, buffer);
        while (tokens.MoveNext() && seenCount < MaxFeatures - 1)
        {
            if (!_unigrams.TryGetValue(tokens.Current, out var unigram))
            {
                previous = -1;
                continue;
            }

            Add(FeatureOfUnigram(unigram), scores, seen, ref seenCount);
            if (previous >= 0 && _bigrams.TryGetValue(BigramKey(previous, unigram), out var bigram))
            {
                Add(FeatureOfBigram(bigram), scores, seen, ref seenCount);
            }

            previous = unigram;
        }

        if (seenCount == 0)
        {
            return new ClassificationResult(null, 0);
        }

        var best = 0;
        for (var c = 1; c < classCount; c++)
        {
            if (scores[c] > scores[best])
            {
                best = c;
            }
        }

        // Posterior of the winner: 1 / Σ exp(score_c − score_best).
        var sum = 0.0;
        for (var c = 0; c < classCount; c++)
        {
            sum += Math.Exp(scores[c] - scores[best]);
        }

        return new ClassificationResult(_categories[best], 1 / sum);
    }


    /// <summary>Copies the last user message's text (string content or its text parts) into <paramref name="destination"/>.</summary>
    internal static int CopyLastUserText(JsonElement messages, Span<char> destination)
    {
        if (messages.ValueKind != JsonValueKind.Array)
        {
            return 0;
        }

        JsonElement content = default;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.TryGetProperty("role", out var role) && role.ValueEquals("user"u8) && message.TryGetProperty("content", out var c))
            {
                content = c;
            }
        }

        var written = 0;
        if (content.ValueKind == JsonValueKind.String)
        {
            written = CopyString(content, destination);
        }
        else if (content.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in content.EnumerateArray())
            {
                if (written >= destination.Length - 1)
                {
                    break;
                }

                if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var type) && type.ValueEquals("text"u8)
                    && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    if (written > 0)
                    {
                        destination[written++] = ' ';
                    }

                    written += CopyString(text, destination[written..]);
                }
            }
        }

        return written;
    }

    private static int CopyString(JsonElement value, Span<char> destination)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (raw.Length >= 2 && raw[0] == (byte)'"')
        {
            var unquoted = raw[1..^1];
            if (unquoted.Length <= destination.Length && unquoted.IndexOf((byte)'\\') >= 0)
            {
                // Unescaped text is never longer than its escaped form, so it fits.
                var reader = new Utf8JsonReader(raw);
                reader.Read();
                return reader.CopyString(destination);
            }

            raw = unquoted;
        }

        // No escapes (or a tail past the limit, where a stray escape letter does no harm): decode as is.
        if (raw.Length > destination.Length)
        {
            raw = raw[..destination.Length];
        }

        return Encoding.UTF8.GetChars(raw, destination);
    }

    private void Add(int feature, Span<double> scores, Span<int> seen, ref int seenCount)
    {
        for (var i = 0; i < seenCount; i++)
        {
            if (seen[i] == feature)
            {
                return;
            }
        }

        seen[seenCount++] = feature;
        var row = _logLikelihoods.AsSpan(feature * scores.Length, scores.Length);
        for (var c = 0; c < scores.Length; c++)
        {
            scores[c] += row[c];
        }
    }

    private static int FeatureOfUnigram(int unigram) => unigram * 2;

    private static int FeatureOfBigram(int bigram) => (bigram * 2) + 1;

    private static long BigramKey(int first, int second) => ((long)first << 32) | (uint)second;
}
