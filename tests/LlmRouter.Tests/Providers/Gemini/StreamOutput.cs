using System.Text;
using System.Text.Json;
using LlmRouter.Providers;

namespace LlmRouter.Tests.Providers.Gemini;

/// <summary>A translated stream split into its data events; every event but <c>[DONE]</c> must parse as JSON.</summary>
internal sealed class StreamOutput
{
    private StreamOutput(string text, List<JsonElement> events, bool endsWithDone)
    {
        Text = text;
        Events = events;
        EndsWithDone = endsWithDone;
    }

    public string Text { get; }

    /// <summary>The JSON data events, in order, without the final <c>[DONE]</c>.</summary>
    public List<JsonElement> Events { get; }

    public bool EndsWithDone { get; }

    public UpstreamError? Error { get; private init; }

    public TokenUsage? Usage { get; private init; }

    public string? FinishReason { get; private init; }

    public string? ResponseModel { get; private init; }

    public static StreamOutput Parse(byte[] bytes, UpstreamError? error, TokenUsage? usage, string? finishReason, string? responseModel)
    {
        var text = Encoding.UTF8.GetString(bytes);
        Assert.EndsWith("\n\n", text);
        var blocks = text[..^2].Split("\n\n");
        var events = new List<JsonElement>();
        var endsWithDone = false;
        for (var i = 0; i < blocks.Length; i++)
        {
            Assert.StartsWith("data: ", blocks[i]);
            var payload = blocks[i]["data: ".Length..];
            if (payload == "[DONE]")
            {
                Assert.Equal(blocks.Length - 1, i);
                endsWithDone = true;
                continue;
            }

            using var document = JsonDocument.Parse(payload);
            events.Add(document.RootElement.Clone());
        }

        return new StreamOutput(text, events, endsWithDone)
        {
            Error = error,
            Usage = usage,
            FinishReason = finishReason,
            ResponseModel = responseModel,
        };
    }

    /// <summary>
    /// Asserts a failed stream's ending: exactly one error event, it is the last event, no <c>[DONE]</c> anywhere
    /// (a failed stream never signals success), and the translator recorded the error. Returns the <c>error</c> object.
    /// </summary>
    public JsonElement AssertEndsWithErrorWithoutDone()
    {
        Assert.False(EndsWithDone, "A failed stream must not end with data: [DONE].");
        Assert.DoesNotContain("[DONE]", Text, StringComparison.Ordinal);
        Assert.NotEmpty(Events);
        var last = Events[^1];
        Assert.Equal(["error"], last.EnumerateObject().Select(property => property.Name));
        Assert.Single(Events, chunk => chunk.TryGetProperty("error", out _));
        Assert.NotNull(Error);
        return last.GetProperty("error");
    }

    /// <summary>The delta of the single choice of chunk <paramref name="index"/>.</summary>
    public JsonElement Delta(int index) => Events[index].GetProperty("choices")[0].GetProperty("delta");

    public string? Finish(int index)
    {
        var finish = Events[index].GetProperty("choices")[0].GetProperty("finish_reason");
        return finish.ValueKind == JsonValueKind.Null ? null : finish.GetString();
    }

    /// <summary>All content deltas of choice <paramref name="choice"/>, concatenated.</summary>
    public string Content(int choice = 0)
    {
        var builder = new StringBuilder();
        foreach (var chunk in Events)
        {
            if (!chunk.TryGetProperty("choices", out var choices))
            {
                continue;
            }

            foreach (var item in choices.EnumerateArray())
            {
                if (item.GetProperty("index").GetInt32() == choice
                    && item.GetProperty("delta").TryGetProperty("content", out var content)
                    && content.ValueKind == JsonValueKind.String)
                {
                    builder.Append(content.GetString());
                }
            }
        }

        return builder.ToString();
    }
}
