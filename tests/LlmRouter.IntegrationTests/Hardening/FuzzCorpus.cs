using System.Globalization;
using System.Text;

namespace LlmRouter.IntegrationTests.Hardening;

/// <summary>
/// Generated chat-completions bodies: every field the gateway reads or forwards, replaced by wrong types, extreme
/// numbers, bad Unicode, deep nesting, long strings and random JSON; plus duplicate keys and whole-body breakage.
/// The selection and the routes are fixed; only the random values depend on the seed, so two seeds exercise the
/// same shapes with different client-chosen values.
/// </summary>
public static class FuzzCorpus
{
    private const string V = "@V@";

    private static readonly string[] Escapes = ["\\n", "\\t", "\\\"", "\\\\", "\\/", "\\u00e9"];
    private const string User = """{"role":"user","content":"hi"}""";
    private const string ToolCall = """{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}""";
    private const string Tool = """{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}""";

    /// <summary>Field path → body template with the value slot.</summary>
    public static readonly (string Field, string Template)[] Templates = BuildTemplates();

    /// <summary>JSON value fragments: wrong types, extreme numbers, bad Unicode, nesting, size.</summary>
    public static readonly string[] FixedValues =
    [
        "null", "true", "false", "0", "-1", "1", "1.5", "-0.0", "1e309", "-1e309", "1e308", "1e-400", "2147483648",
        "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890",
        "\"\"", "\"x\"", "\"code\"", "\"\\ud800\"", "\"\\udc00\"", "\"a\\ud800b\"", "\"\\ud83d\\ude00\"", "\"\\ud83d\"", "\"caf\u00e9 \u4e2d\u6587 \U0001F600\"",
        "\"\\u0000\\u0001\\u001f\"", "\"line\\r\\nx-injected: 1\"", "\"<script>alert(1)</script>\"", "\"{}\"", "\"[1,2]\"", "\"{\\\"a\\\":\\\"\\\\ud800\\\"}\"",
        "\"{\\\"a\\\":1e999}\"", "\"{\\\"a\\\":\"", "\"function\"", "\"json_object\"", "\"json_schema\"", "\"required\"",
        "[]", "[1]", "[\"a\"]", "[null]", "[{}]", "[[[]]]", "{}", "{\"a\":1}", "{\"type\":\"function\"}", "{\"type\":1}", "{\"type\":true}",
        "{\"function\":{\"name\":1}}", "{\"url\":1}", "{\"url\":\"data:image/png;base64,@@@\"}", "{\"category\":\"\\ud800\"}",
        Nest('[', ']', 40), Nest('[', ']', 63), Nest('[', ']', 64), Nest('[', ']', 65), Nest('[', ']', 300), NestObjects(70),
        "\"" + new string('a', 20_000) + "\"",
    ];

    public static IEnumerable<(string Name, string Json)> Bodies(string[] routes, Random values)
    {
        // The selection is fixed (its own seed): both phases send the same shapes to the same routes.
        var selection = new Random(1234);
        var index = 0;
        foreach (var (field, template) in Templates)
        {
            foreach (var value in FixedValues.Concat(["@RANDOM@", "@RANDOM@"]))
            {
                var route = routes[index++ % routes.Length];
                var stream = selection.Next(4) == 0;
                if (selection.Next(100) >= 18)
                {
                    continue;
                }

                var text = value == "@RANDOM@" ? RandomJson(values, 0) : value;
                var json = template.Replace(V, text, StringComparison.Ordinal).Replace("@ROUTE@", route, StringComparison.Ordinal);
                if (stream && !template.Contains("\"stream\"", StringComparison.Ordinal))
                {
                    json = json.Insert(json.Length - 1, ",\"stream\":true");
                }

                yield return ($"{field}={Shorten(text)} route={route} stream={stream}", json);
            }
        }

        foreach (var route in routes)
        {
            foreach (var field in new[] { "model", "messages", "temperature", "stream", "tools", "metadata", "user", "n" })
            {
                var first = field switch { "model" => $"\"{route}\"", "messages" => $"[{User}]", "tools" => $"[{Tool}]", "metadata" => "{}", "user" => "\"u\"", "n" => "1", "stream" => "false", _ => "0.5" };
                yield return ($"duplicate {field} route={route}", $$"""{"model":"{{route}}","messages":[{{User}}],"{{field}}":{{first}},"{{field}}":{{first}}}""");
            }

            yield return ($"duplicate nested key route={route}", $$"""{"model":"{{route}}","messages":[{"role":"user","role":"user","content":"hi"}]}""");
        }

        foreach (var (name, body) in WholeBodies(routes[0], values))
        {
            yield return (name, body);
        }
    }

    /// <summary>Bodies broken as a whole (not JSON, not an object, truncated, huge).</summary>
    public static IEnumerable<(string Name, string Json)> WholeBodies(string route, Random values)
    {
        var valid = $$"""{"model":"{{route}}","messages":[{{User}}]}""";
        yield return ("empty body", string.Empty);
        yield return ("whitespace body", "   \n ");
        yield return ("array body", "[1,2,3]");
        yield return ("string body", "\"hi\"");
        yield return ("number body", "1e309");
        yield return ("truncated", valid[..(valid.Length / 2)]);
        yield return ("trailing garbage", valid + "}}");
        yield return ("two objects", valid + valid);
        yield return ("comments", "/* c */" + valid);
        yield return ("trailing comma", valid.Insert(valid.Length - 1, ","));
        yield return ("single quotes", valid.Replace('"', '\''));
        yield return ("root nesting 65", Nest('[', ']', 65));
        yield return ("root object nesting 1000", NestObjects(1000));
        yield return ("body over the limit", $$"""{"model":"{{route}}","messages":[{"role":"user","content":"{{new string('z', 300_000)}}"}]}""");
        yield return ("random bytes as text", RandomString(values, 200));
        yield return ("many messages", $$"""{"model":"{{route}}","messages":[{{string.Join(',', Enumerable.Repeat(User, 2000))}}]}""");
        yield return ("many keys", "{" + string.Join(',', Enumerable.Range(0, 5000).Select(i => $"\"k{i}\":{i}")) + $",\"model\":\"{route}\",\"messages\":[{User}]}}");
    }

    /// <summary>A random JSON value: any kind, random Unicode (escapes and lone surrogates included), random numbers.</summary>
    public static string RandomJson(Random random, int depth)
    {
        switch (random.Next(depth > 3 ? 5 : 8))
        {
            case 0: return "null";
            case 1: return random.Next(2) == 0 ? "true" : "false";
            case 2: return RandomNumber(random);
            case 3:
            case 4: return "\"" + RandomString(random, random.Next(0, 40)) + "\"";
            case 5:
            case 6:
                var members = Enumerable.Range(0, random.Next(0, 4)).Select(_ => $"\"{RandomKey(random)}\":{RandomJson(random, depth + 1)}");
                return "{" + string.Join(',', members.DistinctBy(m => m[..m.IndexOf("\":", StringComparison.Ordinal)])) + "}";
            default:
                return "[" + string.Join(',', Enumerable.Range(0, random.Next(0, 4)).Select(_ => RandomJson(random, depth + 1))) + "]";
        }
    }

    /// <summary>JSON string content (already escaped): letters, non-ASCII, escapes, sometimes a lone surrogate.</summary>
    public static string RandomString(Random random, int length)
    {
        var text = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            switch (random.Next(12))
            {
                case 0: text.Append("\\u").Append(random.Next(0xD800, 0xE000).ToString("x4", CultureInfo.InvariantCulture)); break;
                case 1: text.Append("\\u").Append(random.Next(0, 0x20).ToString("x4", CultureInfo.InvariantCulture)); break;
                case 2: text.Append((char)random.Next(0xA0, 0x2FF)); break;
                case 3: text.Append(char.ConvertFromUtf32(random.Next(0x1F600, 0x1F650))); break;
                case 4: text.Append(Escapes[random.Next(Escapes.Length)]); break;
                default: text.Append((char)random.Next('a', 'z' + 1)); break;
            }
        }

        return text.ToString();
    }

    private static string RandomKey(Random random) => random.Next(3) switch
    {
        0 => "type",
        1 => "function",
        _ => RandomString(random, random.Next(1, 6)).Replace("\\", string.Empty, StringComparison.Ordinal),
    };

    private static string RandomNumber(Random random) => random.Next(6) switch
    {
        0 => random.Next().ToString(CultureInfo.InvariantCulture),
        1 => (-random.Next()).ToString(CultureInfo.InvariantCulture),
        2 => (random.NextDouble() * 4 - 2).ToString("R", CultureInfo.InvariantCulture),
        3 => "1e" + random.Next(300, 400).ToString(CultureInfo.InvariantCulture),
        4 => "-1e" + random.Next(300, 400).ToString(CultureInfo.InvariantCulture),
        _ => random.NextInt64().ToString(CultureInfo.InvariantCulture) + "0000",
    };

    private static string Nest(char open, char close, int depth) => new string(open, depth) + new string(close, depth);

    private static string NestObjects(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static (string Field, string Template)[] BuildTemplates()
    {
        static string Body(string rest) => "{\"model\":\"@ROUTE@\"," + rest + "}";
        static string WithUser(string rest) => Body($"\"messages\":[{User}]," + rest);
        static string Messages(string messages) => Body($"\"messages\":[{messages}]");

        var topLevel = new[]
        {
            "stream", "temperature", "top_p", "n", "max_tokens", "max_completion_tokens", "stop", "tools", "tool_choice",
            "parallel_tool_calls", "response_format", "user", "seed", "metadata", "presence_penalty", "frequency_penalty",
            "logprobs", "top_logprobs", "logit_bias", "service_tier", "store", "reasoning_effort", "modalities", "prediction",
        };
        var templates = new List<(string, string)>
        {
            ("model", "{\"model\":" + V + $",\"messages\":[{User}]}}"),
            ("messages", Body("\"messages\":" + V)),
            ("messages[0]", Messages(V)),
            ("messages[0].role", Messages("{\"role\":" + V + ",\"content\":\"hi\"}")),
            ("messages[0].content", Messages("{\"role\":\"user\",\"content\":" + V + "}")),
            ("messages[0].content[0]", Messages("{\"role\":\"user\",\"content\":[" + V + "]}")),
            ("messages[0].content[0].type", Messages("{\"role\":\"user\",\"content\":[{\"type\":" + V + ",\"text\":\"x\"}]}")),
            ("messages[0].content[0].text", Messages("{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":" + V + "}]}")),
            ("messages[0].content[0].image_url", Messages("{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":" + V + "}]}")),
            ("messages[0].content[0].image_url.url", Messages("{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":" + V + "}}]}")),
            ("messages[0].content[0].input_audio", Messages("{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":" + V + "}]}")),
            ("messages[0].content[0].file", Messages("{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":" + V + "}]}")),
            ("messages[0].name", Messages("{\"role\":\"user\",\"content\":\"hi\",\"name\":" + V + "}")),
            ("messages[0].system.content", Messages("{\"role\":\"system\",\"content\":" + V + "}," + User)),
            ("messages[1].assistant.content", Messages(User + ",{\"role\":\"assistant\",\"content\":" + V + "}," + User)),
            ("messages[1].tool_calls", Messages(User + ",{\"role\":\"assistant\",\"content\":null,\"tool_calls\":" + V + "},{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"ok\"}")),
            ("messages[1].tool_calls[0].id", Messages(User + ",{\"role\":\"assistant\",\"tool_calls\":[{\"id\":" + V + ",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"ok\"}")),
            ("messages[1].tool_calls[0].type", Messages(User + ",{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":" + V + ",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"ok\"}")),
            ("messages[1].tool_calls[0].function", Messages(User + ",{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":" + V + "}]},{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"ok\"}")),
            ("messages[1].tool_calls[0].function.name", Messages(User + ",{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":" + V + ",\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"ok\"}")),
            ("messages[1].tool_calls[0].function.arguments", Messages(User + ",{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":" + V + "}}]},{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"ok\"}")),
            ("messages[2].tool_call_id", Messages(User + ",{\"role\":\"assistant\",\"tool_calls\":[" + ToolCall + "]},{\"role\":\"tool\",\"tool_call_id\":" + V + ",\"content\":\"ok\"}")),
            ("messages[2].tool.content", Messages(User + ",{\"role\":\"assistant\",\"tool_calls\":[" + ToolCall + "]},{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":" + V + "}")),
            ("messages[1].function.name", Messages(User + ",{\"role\":\"function\",\"name\":" + V + ",\"content\":\"x\"}")),
            ("tools[0]", WithUser("\"tools\":[" + V + "]")),
            ("tools[0].type", WithUser("\"tools\":[{\"type\":" + V + ",\"function\":{\"name\":\"f\"}}]")),
            ("tools[0].function", WithUser("\"tools\":[{\"type\":\"function\",\"function\":" + V + "}]")),
            ("tools[0].function.name", WithUser("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":" + V + "}}]")),
            ("tools[0].function.description", WithUser("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"description\":" + V + "}}]")),
            ("tools[0].function.parameters", WithUser("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":" + V + "}}]")),
            ("tools[0].function.parameters.properties", WithUser("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\",\"properties\":" + V + "}}}]")),
            ("tool_choice.function.name", WithUser($"\"tools\":[{Tool}],\"tool_choice\":{{\"type\":\"function\",\"function\":{{\"name\":" + V + "}}")),
            ("response_format.type", WithUser("\"response_format\":{\"type\":" + V + "}")),
            ("response_format.json_schema", WithUser("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":" + V + "}")),
            ("response_format.json_schema.schema", WithUser("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"s\",\"schema\":" + V + "}}")),
            ("stream_options.include_usage", WithUser("\"stream\":true,\"stream_options\":{\"include_usage\":" + V + "}")),
            ("metadata.category", WithUser("\"metadata\":{\"category\":" + V + "}")),
        };
        templates.AddRange(topLevel.Select(field => (field, WithUser($"\"{field}\":" + V))));
        return [.. templates];
    }
}
