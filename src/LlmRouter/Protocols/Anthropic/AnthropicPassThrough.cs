using System.Text.Json;
using LlmRouter.Configuration;
using LlmRouter.Providers;
using LlmRouter.Providers.Anthropic;
using LlmRouter.Providers.OpenAI;

namespace LlmRouter.Protocols.Anthropic;

/// <summary>
/// Anthropic client to Anthropic deployment: the client's body goes upstream with only <c>model</c> replaced (a splice,
/// so system blocks, cache_control, thinking signatures, server tools and anything newer arrive byte for byte), and the
/// response comes back as the upstream wrote it; usage is read for accounting only.
/// </summary>
internal static class AnthropicPassThrough
{
    public const string Path = "/v1/messages";

    public const string CountTokensPath = "/v1/messages/count_tokens";

    /// <summary>The client's body with the top-level <c>model</c> value replaced by the deployment's upstream model.</summary>
    public static byte[] ReplaceModel(ReadOnlySpan<byte> body, string model)
    {
        var escaped = JsonEncodedText.Encode(model).EncodedUtf8Bytes;
        var encoded = new byte[escaped.Length + 2];
        encoded[0] = encoded[^1] = (byte)'"';
        escaped.CopyTo(encoded.AsSpan(1));
        using var edits = new Utf8EditList();
        // As deep as the intake accepted (the reader's default of 64 would fail on a deeply nested schema).
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 128 });
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isModel = reader.ValueTextEquals("model"u8);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (isModel)
            {
                edits.Add(start, (int)reader.BytesConsumed - start, encoded);
            }
        }

        return edits.ToArray(body);
    }

    public static UpstreamRequest CreateRequest(AnthropicRequest request, Deployment deployment)
        => new(Path, ReplaceModel(request.Body.Span, deployment.UpstreamModel));

    /// <summary>The upstream's message unchanged, with the usage and model it reports.</summary>
    /// <exception cref="JsonException">The body is not a JSON object.</exception>
    public static TranslatedResponse ReadResponse(ReadOnlyMemory<byte> body)
    {
        var reader = new Utf8JsonReader(body.Span);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("The upstream response is not a JSON object.");
        }

        TokenUsage? usage = null;
        if (root.TryGetProperty("usage"u8, out var usageElement) && usageElement.ValueKind == JsonValueKind.Object)
        {
            var counts = default(AnthropicUsage);
            counts.Update(usageElement);
            usage = counts.ToTokenUsage();
        }

        var model = root.TryGetProperty("model"u8, out var modelElement) && modelElement.ValueKind == JsonValueKind.String ? modelElement.GetString() : null;
        var finish = root.TryGetProperty("stop_reason"u8, out var stop) && stop.ValueKind == JsonValueKind.String ? AnthropicStopReasons.ToFinishReason(stop) : null;
        return new TranslatedResponse(body, usage, model, finish);
    }
}
