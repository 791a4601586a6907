using System.Text;
using System.Text.Json;
using LlmRouter.Providers;

namespace LlmRouter.Tests.Providers.Anthropic;

/// <summary>Reads what a stream translator wrote: every <c>data:</c> event parsed as JSON, and whether it ended with [DONE].</summary>
internal sealed class SseTestOutput
{
    private SseTestOutput(string text, List<JsonElement> events, bool endsWithDone)
    {
        Text = text;
        Events = events;
        EndsWithDone = endsWithDone;
    }

    public string Text { get; }

    /// <summary>The JSON payloads, in order, excluding <c>[DONE]</c>.</summary>
    public List<JsonElement> Events { get; }

    public bool EndsWithDone { get; }

    /// <summary>Parses SSE output; fails the test on a non-data line, invalid JSON or anything after [DONE].</summary>
    public static SseTestOutput Parse(ReadOnlySpan<byte> output)
    {
        var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(output);
        var events = new List<JsonElement>();
        var done = false;
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.False(done, "Output continued after data: [DONE].");
            Assert.StartsWith("data: ", block, StringComparison.Ordinal);
            var payload = block["data: ".Length..];
            if (payload == "[DONE]")
            {
                done = true;
                continue;
            }

            using var document = JsonDocument.Parse(payload);
            events.Add(document.RootElement.Clone());
        }

        return new SseTestOutput(text, events, done);
    }

    /// <summary>
    /// Asserts a failed stream's ending: exactly one error event, it is the last event, no <c>[DONE]</c> anywhere
    /// (a failed stream never signals success), and the translator recorded the error. Returns the <c>error</c> object.
    /// </summary>
    public JsonElement AssertEndsWithErrorWithoutDone(IStreamTranslator translator)
    {
        Assert.False(EndsWithDone, "A failed stream must not end with data: [DONE].");
        Assert.DoesNotContain("[DONE]", Text, StringComparison.Ordinal);
        Assert.NotEmpty(Events);
        var last = Events[^1];
        Assert.Equal(["error"], last.EnumerateObject().Select(property => property.Name));
        Assert.Single(Events, chunk => chunk.TryGetProperty("error", out _));
        Assert.NotNull(translator.Error);
        return last.GetProperty("error");
    }

    /// <summary>The concatenated <c>delta.content</c> of all chunks.</summary>
    public string Content()
    {
        var builder = new StringBuilder();
        foreach (var chunk in Events)
        {
            if (chunk.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0
                && choices[0].GetProperty("delta").TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
            {
                builder.Append(content.GetString());
            }
        }

        return builder.ToString();
    }

    /// <summary>The concatenated tool-call argument fragments for one tool-call index.</summary>
    public string Arguments(int toolIndex)
    {
        var builder = new StringBuilder();
        foreach (var chunk in Events)
        {
            if (!chunk.TryGetProperty("choices", out var choices) || choices.GetArrayLength() == 0
                || !choices[0].GetProperty("delta").TryGetProperty("tool_calls", out var calls))
            {
                continue;
            }

            foreach (var call in calls.EnumerateArray())
            {
                if (call.GetProperty("index").GetInt32() == toolIndex)
                {
                    builder.Append(call.GetProperty("function").GetProperty("arguments").GetString());
                }
            }
        }

        return builder.ToString();
    }
}
