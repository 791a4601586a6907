using System.Text;
using System.Text.Json;
using LlmRouter.Providers;

namespace LlmRouter.Tests.Providers;

/// <summary>
/// Reads what a stream translator wrote: every <c>data:</c> event parsed as JSON, whether it ended with [DONE], and
/// the translator's state (error, usage, finish, model) when it finished.
/// </summary>
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

    public UpstreamError? Error { get; private init; }

    public TokenUsage? Usage { get; private init; }

    public string? FinishReason { get; private init; }

    public string? ResponseModel { get; private init; }

    /// <summary>
    /// Parses SSE output and snapshots <paramref name="translator"/>'s state; fails the test on invalid UTF-8, an
    /// event not framed as <c>data: …\n\n</c>, invalid JSON or anything after [DONE].
    /// </summary>
    public static SseTestOutput Parse(ReadOnlySpan<byte> output, IStreamTranslator? translator = null)
    {
        var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(output);
        Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
        var blocks = text[..^2].Split("\n\n");
        var events = new List<JsonElement>();
        var done = false;
        foreach (var block in blocks)
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

        return new SseTestOutput(text, events, done)
        {
            Error = translator?.Error,
            Usage = translator?.Usage,
            FinishReason = translator?.FinishReason,
            ResponseModel = translator?.ResponseModel,
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
