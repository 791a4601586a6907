using System.Runtime.CompilerServices;
using System.Text.Json;
using LlmRouter.Chat;
using LlmRouter.Configuration;

namespace LlmRouter.Providers.OpenAI;

/// <summary>
/// Builds the upstream body for an OpenAI deployment from the client's own bytes: one reader pass over the top
/// level finds <c>model</c> and <c>stream_options</c>, and everything else is copied verbatim into an exact-size
/// array. Splicing instead of re-serialising keeps unknown fields, their order and their exact spelling intact.
/// </summary>
internal static class OpenAIRequestWriter
{
    public const string Path = "/v1/chat/completions";

    private static readonly byte[] True = "true"u8.ToArray();
    private static readonly byte[] UsageObject = """{"include_usage":true}"""u8.ToArray();
    private static readonly byte[] UsageProperty = "\"include_usage\":true"u8.ToArray();
    private static readonly byte[] UsagePropertyAfterComma = ",\"include_usage\":true"u8.ToArray();
    private static readonly byte[] StreamOptionsProperty = ",\"stream_options\":{\"include_usage\":true}"u8.ToArray();

    // The JSON string of each deployment's upstream model, encoded once; entries go away with the deployment.
    private static readonly ConditionalWeakTable<Deployment, byte[]> EncodedModels = new();

    public static UpstreamRequest Create(ChatRequest request, Deployment deployment)
    {
        var source = request.Body.Span;

        var model = EncodedModels.GetValue(deployment, static d => EncodeString(d.UpstreamModel));
        using var edits = new Utf8EditList();
        var reader = new Utf8JsonReader(source, JsonLimits.ReaderOptions);
        reader.Read();
        var sawStreamOptions = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                ReplaceValue(ref reader, edits, model);
            }
            else if (request.Stream && reader.ValueTextEquals("stream_options"u8))
            {
                reader.Read();
                sawStreamOptions = true;
                ForceIncludeUsage(ref reader, edits);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (request.Stream && !sawStreamOptions)
        {
            // The reader stands on the root's closing brace; the root always has at least "model" before it.
            edits.Add((int)reader.TokenStartIndex, 0, StreamOptionsProperty);
        }

        // The model swap (and usage option) applied to the client's bytes, in a pooled array the sender gives back.
        var length = edits.ResultLength(source);
        var body = BodyBuffers.Rent(length);
        edits.CopyTo(source, body);
        return new UpstreamRequest(Path, body.AsMemory(0, length), body);
    }

    /// <summary>Makes the upstream always send the usage chunk, keeping the client's other stream options.</summary>
    private static void ForceIncludeUsage(ref Utf8JsonReader reader, Utf8EditList edits)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            ReplaceValue(ref reader, edits, UsageObject);
            return;
        }

        var empty = true;
        var found = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            empty = false;
            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (isIncludeUsage)
            {
                found = true;
                ReplaceValue(ref reader, edits, True);
            }
            else
            {
                reader.Skip();
            }
        }

        if (!found)
        {
            edits.Add((int)reader.TokenStartIndex, 0, empty ? UsageProperty : UsagePropertyAfterComma);
        }
    }

    private static byte[] EncodeString(string value)
    {
        var encoded = JsonEncodedText.Encode(value).EncodedUtf8Bytes;
        var result = new byte[encoded.Length + 2];
        result[0] = (byte)'"';
        encoded.CopyTo(result.AsSpan(1));
        result[^1] = (byte)'"';
        return result;
    }

    /// <summary>Replaces the value the reader stands on (scalar or container) and leaves the reader at its end.</summary>
    private static void ReplaceValue(ref Utf8JsonReader reader, Utf8EditList edits, byte[] replacement)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        edits.Add(start, (int)reader.BytesConsumed - start, replacement);
    }
}
