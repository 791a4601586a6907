namespace LlmRouter.IntegrationTests.Hardening;

/// <summary>
/// Anthropic Messages bodies for the fuzz suite: every field of the request (wire-formats.md §2.2) given each of the
/// corpus's fixed values and random JSON, to the translated routes and the Anthropic pass-through alike.
/// </summary>
public static class AnthropicFuzzCorpus
{
    public const string MessagesPath = "/v1/messages";

    private const string V = "@V@";
    private const string User = """{"role":"user","content":"hi"}""";
    private const string ToolUse = """{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}}]}""";

    private static readonly (string Field, string Template)[] Templates = BuildTemplates();

    public static IEnumerable<(string Name, string Json)> Bodies(string[] routes, Random values)
    {
        // The selection is fixed (its own seed): both phases send the same shapes to the same routes.
        var selection = new Random(4321);
        var index = 0;
        foreach (var (field, template) in Templates)
        {
            foreach (var value in FuzzCorpus.FixedValues.Concat(["@RANDOM@"]))
            {
                var route = routes[index++ % routes.Length];
                if (selection.Next(100) >= 12)
                {
                    continue;
                }

                var text = value == "@RANDOM@" ? FuzzCorpus.RandomJson(values, 0) : value;
                var json = template.Replace(V, text, StringComparison.Ordinal).Replace("@ROUTE@", route, StringComparison.Ordinal);
                yield return ($"messages {field}={(text.Length <= 40 ? text : text[..40] + "…")} route={route}", json);
            }
        }

        foreach (var (name, body) in FuzzCorpus.WholeBodies(routes[0], values).Take(12))
        {
            yield return ("messages " + name, body);
        }
    }

    private static (string Field, string Template)[] BuildTemplates()
    {
        static string Body(string rest) => "{\"model\":\"@ROUTE@\",\"max_tokens\":16," + rest + "}";
        static string WithUser(string rest) => Body($"\"messages\":[{User}]," + rest);
        static string Messages(string messages) => Body($"\"messages\":[{messages}]");

        var topLevel = new[]
        {
            "system", "stream", "temperature", "top_p", "top_k", "stop_sequences", "tools", "tool_choice", "metadata",
            "thinking", "output_config", "service_tier",
        };
        var templates = new List<(string, string)>
        {
            ("model", "{\"model\":" + V + $",\"max_tokens\":16,\"messages\":[{User}]}}"),
            ("max_tokens", "{\"model\":\"@ROUTE@\",\"max_tokens\":" + V + $",\"messages\":[{User}]}}"),
            ("messages", Body("\"messages\":" + V)),
            ("messages.0", Messages(V)),
            ("messages.0.role", Messages("{\"role\":" + V + ",\"content\":\"hi\"}")),
            ("messages.0.content", Messages("{\"role\":\"user\",\"content\":" + V + "}")),
            ("messages.0.content.0", Messages("{\"role\":\"user\",\"content\":[" + V + "]}")),
            ("messages.0.content.0.type", Messages("{\"role\":\"user\",\"content\":[{\"type\":" + V + ",\"text\":\"x\"}]}")),
            ("messages.0.content.0.text", Messages("{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":" + V + "}]}")),
            ("messages.0.content.0.source", Messages("{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":" + V + "}]}")),
            ("messages.0.content.0.source.data", Messages("{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":" + V + "}}]}")),
            ("messages.1.content.0.input", Messages(User + ",{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"f\",\"input\":" + V + "}]}")),
            ("messages.1.content.0.id", Messages(User + ",{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":" + V + ",\"name\":\"f\",\"input\":{}}]}")),
            ("messages.2.content.0.tool_use_id", Messages(User + "," + ToolUse + ",{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":" + V + "}]}")),
            ("messages.2.content.0.content", Messages(User + "," + ToolUse + ",{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"content\":" + V + "}]}")),
            ("system.0", WithUser("\"system\":[" + V + "]")),
            ("tools.0", WithUser("\"tools\":[" + V + "]")),
            ("tools.0.input_schema", WithUser("\"tools\":[{\"name\":\"f\",\"input_schema\":" + V + "}]")),
            ("tools.0.type", WithUser("\"tools\":[{\"type\":" + V + ",\"name\":\"f\",\"input_schema\":{\"type\":\"object\"}}]")),
            ("tool_choice.type", WithUser("\"tools\":[{\"name\":\"f\",\"input_schema\":{\"type\":\"object\"}}],\"tool_choice\":{\"type\":" + V + "}")),
            ("metadata.user_id", WithUser("\"metadata\":{\"user_id\":" + V + "}")),
            ("output_config.format", WithUser("\"output_config\":{\"format\":" + V + "}")),
        };
        templates.AddRange(topLevel.Select(field => (field, WithUser($"\"{field}\":" + V))));
        return [.. templates];
    }
}
