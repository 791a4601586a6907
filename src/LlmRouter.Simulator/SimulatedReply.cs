using System.Buffers;

namespace LlmRouter.Simulator;

/// <summary>
/// The answer to a request, decided once and shared by the three simulators: either deterministic text that names
/// the deployment and model, or a call to a declared tool. Tokens are whitespace-separated words.
/// </summary>
internal sealed class SimulatedReply
{
    /// <summary>Streamed tool arguments are split into fragments of this many characters.</summary>
    public const int ArgumentFragmentLength = 16;

    private const int MinWords = 20;
    private const int WordRange = 41;
    private const int SummaryWords = 8;
    private const int MaxSummaryWordLength = 40;

    private static readonly string[] FillerWords =
        ("This simulated answer stands in for a real model so that routing, retries, streaming and usage accounting "
        + "can be exercised end to end without calling a provider. The wording is deterministic for a given request, "
        + "which keeps tests repeatable and benchmarks comparable, while its length still follows the prompt so that "
        + "token counts look plausible.").Split(' ');

    private static readonly int MaxFillerLength = FillerWords.Max(w => w.Length) + 1;

    // Filler starts at a sentence so replies read naturally after the summary.
    private static readonly int[] SentenceStarts = Enumerable.Range(0, FillerWords.Length)
        .Where(i => i == 0 || FillerWords[i - 1].EndsWith('.'))
        .ToArray();

    private SimulatedReply(FinishKind finish, string? text, string? toolName, string? toolArguments, int promptTokens, int completionTokens)
    {
        Finish = finish;
        Text = text;
        ToolName = toolName;
        ToolArguments = toolArguments;
        PromptTokens = promptTokens;
        CompletionTokens = completionTokens;
    }

    public FinishKind Finish { get; }

    public bool IsToolCall => Finish == FinishKind.ToolCall;

    /// <summary>The reply text; null for a tool call.</summary>
    public string? Text { get; }

    public string? ToolName { get; }

    /// <summary>Tool arguments as JSON object text.</summary>
    public string? ToolArguments { get; }

    public int PromptTokens { get; }

    public int CompletionTokens { get; }

    public int TotalTokens => PromptTokens + CompletionTokens;

    public static SimulatedReply Create(SimulatedRequest request)
    {
        if (request.ToolName is not null && request.LastTurn == TurnKind.User)
        {
            var arguments = request.ToolArguments ?? "{}";
            var toolTokens = 4 + ((request.ToolName.Length + arguments.Length + 3) / 4);
            return new SimulatedReply(FinishKind.ToolCall, null, request.ToolName, arguments, request.PromptTokens, toolTokens);
        }

        var text = ComposeText(request);
        var words = CountWords(text);
        var finish = FinishKind.Stop;
        if (request.MaxOutputTokens is { } limit && limit >= 1 && limit < words)
        {
            text = text.AsSpan(0, SkipWords(text, 0, limit, out _)).TrimEnd().ToString();
            words = limit;
            finish = FinishKind.Length;
        }

        return new SimulatedReply(finish, text, null, null, request.PromptTokens, words);
    }

    /// <summary>Counts whitespace-separated words.</summary>
    public static int CountWords(ReadOnlySpan<char> text)
    {
        var count = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var isSpace = char.IsWhiteSpace(c);
            if (!isSpace && !inWord)
            {
                count++;
            }

            inWord = !isSpace;
        }

        return count;
    }

    /// <summary>
    /// Returns the index just after <paramref name="words"/> words (and the whitespace that follows them) from
    /// <paramref name="start"/>; streams cut chunks there so the chunks concatenate to the exact text.
    /// </summary>
    public static int SkipWords(ReadOnlySpan<char> text, int start, int words, out int taken)
    {
        var i = start;
        taken = 0;
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        while (i < text.Length && taken < words)
        {
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            taken++;
        }

        return i;
    }

    private static string ComposeText(SimulatedRequest request)
    {
        var subject = (request.Subject ?? string.Empty).AsSpan();
        var hash = Fnv1a(request.Model, Fnv1a(subject, 2166136261));
        var targetWords = MinWords + (int)(hash % WordRange);

        var capacity = 64 + request.Deployment.Length + request.Model.Length
            + (SummaryWords * (MaxSummaryWordLength + 1)) + ((MinWords + WordRange) * MaxFillerLength);
        var rented = ArrayPool<char>.Shared.Rent(capacity);
        try
        {
            var buffer = rented.AsSpan();
            var length = 0;
            Append(buffer, ref length, "[sim ");
            Append(buffer, ref length, request.Deployment);
            Append(buffer, ref length, " · ");
            Append(buffer, ref length, request.Model);
            Append(buffer, ref length, "] ");

            if (CountWords(subject) == 0)
            {
                Append(buffer, ref length, "Hello from the simulator. ");
            }
            else
            {
                Append(buffer, ref length, request.LastTurn == TurnKind.ToolResult ? "The tool returned \"" : "You asked about \"");
                AppendSummary(buffer, ref length, subject);
                Append(buffer, ref length, "\". ");
            }

            var words = CountWords(buffer[..length]);
            var filler = SentenceStarts[(int)((hash >> 16) % (uint)SentenceStarts.Length)];
            for (; words < targetWords; words++, filler++)
            {
                Append(buffer, ref length, FillerWords[filler % FillerWords.Length]);
                Append(buffer, ref length, " ");
            }

            length = ((ReadOnlySpan<char>)buffer[..length]).TrimEnd().Length;
            if (buffer[length - 1] is not ('.' or '!' or '?'))
            {
                buffer[length++] = '.';
            }

            return new string(buffer[..length]);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>The first words of the subject on one line, long words clipped, with "..." when shortened.</summary>
    private static void AppendSummary(Span<char> buffer, ref int length, ReadOnlySpan<char> subject)
    {
        var position = 0;
        for (var word = 0; word < SummaryWords; word++)
        {
            var start = SkipWords(subject, position, 0, out _);
            var end = SkipWords(subject, start, 1, out var taken);
            if (taken == 0)
            {
                break;
            }

            if (word > 0)
            {
                Append(buffer, ref length, " ");
            }

            var token = subject[start..end].TrimEnd();
            Append(buffer, ref length, token.Length > MaxSummaryWordLength ? token[..MaxSummaryWordLength] : token);
            position = end;
        }

        if (CountWords(subject[position..]) > 0)
        {
            Append(buffer, ref length, "...");
        }
    }

    private static void Append(Span<char> buffer, ref int length, ReadOnlySpan<char> value)
    {
        value.CopyTo(buffer[length..]);
        length += value.Length;
    }

    // FNV-1a rather than string.GetHashCode, which is randomised per process; replies must repeat across runs.
    private static uint Fnv1a(ReadOnlySpan<char> value, uint hash)
    {
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619;
        }

        return hash;
    }
}
