using System.Text;
using System.Text.Json;

namespace LlmRouter.Tests.Protocols.Anthropic;

/// <summary>Parses Anthropic SSE output (<c>event:</c> + <c>data:</c>) and checks the event grammar the SDKs rely on.</summary>
internal static class AnthropicTestEvents
{
    public static List<(string Name, JsonElement Data)> Parse(string text)
    {
        Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
        var events = new List<(string, JsonElement)>();
        foreach (var block in text[..^2].Split("\n\n"))
        {
            var lines = block.Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("event: ", lines[0], StringComparison.Ordinal);
            Assert.StartsWith("data: ", lines[1], StringComparison.Ordinal);
            var name = lines[0]["event: ".Length..];
            using var document = JsonDocument.Parse(lines[1]["data: ".Length..]);
            Assert.Equal(name, document.RootElement.GetProperty("type").GetString());
            events.Add((name, document.RootElement.Clone()));
        }

        return events;
    }

    public static List<(string Name, JsonElement Data)> Parse(byte[] bytes) => Parse(new UTF8Encoding(false, true).GetString(bytes));

    /// <summary>
    /// message_start (with usage) first; blocks opened at 0, 1, 2… and each delta and stop for the open block;
    /// then message_delta (stop reason, usage) and message_stop last.
    /// </summary>
    public static void AssertWellFormed(List<(string Name, JsonElement Data)> events)
    {
        Assert.Equal("message_start", events[0].Name);
        var startUsage = events[0].Data.GetProperty("message").GetProperty("usage");
        Assert.Equal(JsonValueKind.Number, startUsage.GetProperty("input_tokens").ValueKind);
        Assert.Equal(JsonValueKind.Number, startUsage.GetProperty("output_tokens").ValueKind);
        Assert.Equal("message_stop", events[^1].Name);
        Assert.Equal("message_delta", events[^2].Name);
        Assert.Equal(JsonValueKind.String, events[^2].Data.GetProperty("delta").GetProperty("stop_reason").ValueKind);
        Assert.Equal(JsonValueKind.Number, events[^2].Data.GetProperty("usage").GetProperty("output_tokens").ValueKind);

        var next = 0;
        int? open = null;
        foreach (var (name, data) in events)
        {
            switch (name)
            {
                case "content_block_start":
                    Assert.Null(open);
                    Assert.Equal(next, data.GetProperty("index").GetInt32());
                    open = next++;
                    break;
                case "content_block_delta":
                    Assert.Equal(open, data.GetProperty("index").GetInt32());
                    break;
                case "content_block_stop":
                    Assert.Equal(open, data.GetProperty("index").GetInt32());
                    open = null;
                    break;
            }
        }

        Assert.Null(open);
    }

    /// <summary>The text of every text_delta, concatenated.</summary>
    public static string Text(IEnumerable<(string Name, JsonElement Data)> events)
        => string.Concat(events.Where(e => e.Name == "content_block_delta" && e.Data.GetProperty("delta").GetProperty("type").GetString() == "text_delta")
            .Select(e => e.Data.GetProperty("delta").GetProperty("text").GetString()));
}
