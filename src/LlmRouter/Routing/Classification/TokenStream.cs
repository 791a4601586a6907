using System.Collections.Frozen;

namespace LlmRouter.Routing.Classification;

/// <summary>
/// Splits text into normalised word tokens without allocating: lower-cased letters and digits, apostrophes dropped
/// (<c>don't</c> → <c>dont</c>), one-letter tokens and common function words skipped, and light suffix trimming so
/// <c>stories</c>/<c>story</c>, <c>configured</c>/<c>configuring</c>/<c>configure</c> share a token.
/// Each token is written to a caller-provided buffer and is valid until the next <see cref="MoveNext"/>.
/// </summary>
internal ref struct TokenStream
{
    /// <summary>Longer words are truncated; nothing useful hides past 24 letters.</summary>
    public const int MaxTokenLength = 24;

    private static readonly FrozenSet<string> StopWords = FrozenSet.ToFrozenSet(
    [
        "the", "an", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "with", "from", "into", "as",
        "is", "are", "was", "were", "be", "been", "being", "am", "it", "its", "this", "that", "these", "those",
        "me", "my", "mine", "you", "your", "yours", "we", "our", "us", "he", "she", "his", "her", "they", "them", "their",
        "can", "could", "would", "will", "shall", "please", "do", "does", "did", "so", "if", "then", "than", "there",
        "some", "any", "just", "also", "have", "has", "had", "im", "ive", "id", "youre", "thats", "about",
        "very", "really", "too", "here", "while", "one", "thanks", "thank", "hi", "hello",
    ], StringComparer.Ordinal);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> StopWordLookup = StopWords.GetAlternateLookup<ReadOnlySpan<char>>();

    private readonly ReadOnlySpan<char> _text;
    private readonly Span<char> _buffer;
    private int _position;
    private int _length;

    public TokenStream(ReadOnlySpan<char> text, Span<char> buffer)
    {
        _text = text;
        _buffer = buffer;
        _position = 0;
        _length = 0;
    }

    public readonly ReadOnlySpan<char> Current => _buffer[.._length];

    public bool MoveNext()
    {
        while (_position < _text.Length)
        {
            var length = 0;
            while (_position < _text.Length)
            {
                var c = _text[_position];
                if (char.IsLetterOrDigit(c))
                {
                    if (length < MaxTokenLength && length < _buffer.Length)
                    {
                        _buffer[length++] = char.ToLowerInvariant(c);
                    }

                    _position++;
                }
                else if ((c == '\'' || c == '\u2019') && length > 0)
                {
                    _position++;
                }
                else
                {
                    break;
                }
            }

            // Skip the separator run.
            while (_position < _text.Length && !char.IsLetterOrDigit(_text[_position]))
            {
                _position++;
            }

            if (length < 2 || StopWordLookup.Contains(_buffer[..length]))
            {
                continue;
            }

            _length = Stem(_buffer[..length]);
            return true;
        }

        _length = 0;
        return false;
    }

    /// <summary>Suffix trimming, a small subset of Porter's rules; returns the new length.</summary>
    internal static int Stem(Span<char> word)
    {
        var n = word.Length;
        if (n > 4 && word[..n].EndsWith("ies"))
        {
            word[n - 3] = 'y';
            n -= 2;
        }
        else if (n > 3 && word[n - 1] == 's' && word[n - 2] is not ('s' or 'u' or 'i'))
        {
            n--;
        }

        var trimmed = false;
        if (n > 5 && word[..n].EndsWith("ing"))
        {
            n -= 3;
            trimmed = true;
        }
        else if (n > 4 && word[..n].EndsWith("ed"))
        {
            n -= 2;
            trimmed = true;
        }
        else if (n > 5 && word[..n].EndsWith("ly"))
        {
            n -= 2;
        }

        // debugging → debugg → debug; but keep "ll", "ss", "zz" (install, access).
        if (trimmed && n > 3 && word[n - 1] == word[n - 2] && word[n - 1] is not ('l' or 's' or 'z') && !char.IsDigit(word[n - 1]))
        {
            n--;
        }

        if (n > 4 && word[n - 1] == 'e')
        {
            n--;
        }

        return n;
    }
}
