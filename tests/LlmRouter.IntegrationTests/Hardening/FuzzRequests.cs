using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace LlmRouter.IntegrationTests.Hardening;

/// <summary>The generated cases of one fuzz phase: bodies, headers, raw HTTP and a flood of distinct client-chosen values.</summary>
public static class FuzzRequests
{
    public const string ChatPath = "/v1/chat/completions";

    private static readonly string[] BodyRoutes = ["gpt", "claude", "gemini", "all"];

    private static readonly TimeSpan RawTimeout = TimeSpan.FromSeconds(15);

    public static List<FuzzCase> Phase(HardeningGateway gateway, int seed)
    {
        var random = new Random(seed);
        var cases = new List<FuzzCase>();
        foreach (var (name, json) in FuzzCorpus.Bodies(BodyRoutes, random))
        {
            cases.Add(new FuzzCase("body " + name, () => gateway.PostJsonAsync(ChatPath, json)));
        }

        foreach (var (name, json) in AnthropicFuzzCorpus.Bodies(BodyRoutes, random))
        {
            cases.Add(new FuzzCase(name, () => gateway.PostJsonAsync(AnthropicFuzzCorpus.MessagesPath, json), Anthropic: true));
        }

        // The dry-run endpoint reads bodies the same way.
        foreach (var (name, json) in FuzzCorpus.WholeBodies("all", random).Take(12))
        {
            cases.Add(new FuzzCase("decide " + name, () => gateway.PostJsonAsync("/v1/router/decide", json)));
        }

        cases.AddRange(Headers(gateway, random));
        cases.AddRange(Raw(gateway));
        cases.AddRange(Flood(gateway, seed, count: 100));
        return cases;
    }

    /// <summary>Distinct client-chosen values (categories, priorities, hash keys, models): must not grow metric series.</summary>
    public static IEnumerable<FuzzCase> Flood(HardeningGateway gateway, int seed, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var tag = $"flood-{seed}-{i}";
            var valid = """{"model":"all","messages":[{"role":"user","content":"hi"}]}""";
            yield return new FuzzCase("flood category header", () => gateway.PostJsonAsync(ChatPath, valid, ("x-llmrouter-category", tag)));
            yield return new FuzzCase("flood metadata.category", () => gateway.PostJsonAsync(ChatPath, $$$"""{"model":"all","messages":[{"role":"user","content":"hi"}],"metadata":{"category":"{{{tag}}}"}}"""));
            yield return new FuzzCase("flood priority", () => gateway.PostJsonAsync(ChatPath, """{"model":"aware","messages":[{"role":"user","content":"hi"}]}""", ("x-llmrouter-priority", $"{tag}=1")));
            yield return new FuzzCase("flood hash key", () => gateway.PostJsonAsync(ChatPath, """{"model":"hash","messages":[{"role":"user","content":"hi"}]}""", ("x-llmrouter-hash-key", tag)));
            yield return new FuzzCase("flood model", () => gateway.PostJsonAsync(ChatPath, $$"""{"model":"{{tag}}","messages":[{"role":"user","content":"hi"}]}"""));
        }
    }

    /// <summary>Client headers: non-ASCII, long, routing headers with junk, and headers that must not steer an upstream.</summary>
    public static IEnumerable<FuzzCase> Headers(HardeningGateway gateway, Random random)
    {
        (string, string)[] fixedHeaders =
        [
            ("x-note", "café"), ("x-note", "日本語 😀"), ("x-goog-user-project", "other-project"), ("openai-beta", "assistants=v2"),
            ("anthropic-beta", "prompt-caching-2024-07-31"), ("anthropic-beta", "café"), ("anthropic-beta", new string('b', 9000)), ("anthropic-dangerous-direct-browser-access", "true"),
            ("x-http-method-override", "DELETE"), ("x-real-ip", "10.0.0.1"), ("baggage", "user=alice"), ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-host", "evil.example"), ("x-forwarded-proto", "https"), ("Connection", "x-custom-hop"), ("x-custom-hop", "1"),
            ("traceparent", "00-zzzz-not-a-trace-01"), ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            ("tracestate", new string('t', 8000)), ("authorization", "Bearer café"), ("x-api-key", "sk-client"), ("cookie", "a=b"),
            ("x-llmrouter-category", "café"), ("x-llmrouter-category", "  code  "), ("x-llmrouter-category", new string('c', 65)),
            ("x-llmrouter-category", "a;b"), ("x-llmrouter-priority", "accuracy=0.7,cost=0.3"), ("x-llmrouter-priority", new string('p', 300)),
            ("x-llmrouter-priority", "accuracy=1e309"), ("x-llmrouter-hash-key", new string('h', 300)), ("x-llmrouter-hash-key", "ключ"),
            ("x-padding", new string('p', 20 * 1024)), ("x-padding", new string('p', 40 * 1024)), ("Expect", "100-continue"),
            ("Content-Encoding", "gzip"), ("Content-Encoding", "identity"), ("Content-Type", "text/plain"), ("Content-Type", "application/json; charset=utf-16"),
        ];
        var routes = new[] { "gpt", "claude", "gemini", "all", "aware", "hash" };
        var index = 0;
        foreach (var (name, value) in fixedHeaders)
        {
            foreach (var route in routes)
            {
                var json = $$"""{"model":"{{route}}","messages":[{"role":"user","content":"hi"}]}""";
                var header = (name, value);
                yield return new FuzzCase($"header {name}={Shorten(value)} route={route}", () => gateway.PostJsonAsync(ChatPath, json, header));
            }
        }

        for (var i = 0; i < 60; i++)
        {
            var route = routes[index++ % routes.Length];
            var json = $$"""{"model":"{{route}}","messages":[{"role":"user","content":"hi"}]}""";
            var headers = Enumerable.Range(0, random.Next(1, 20))
                .Select(n => ($"x-fuzz-{n}", RandomHeaderValue(random)))
                .Append(("x-llmrouter-category", RandomHeaderValue(random)))
                .ToArray();
            yield return new FuzzCase($"random headers #{i} route={route}", () => gateway.PostJsonAsync(ChatPath, json, headers));
        }

        var many = Enumerable.Range(0, 150).Select(n => ($"x-fuzz-many-{n}", "v")).ToArray();
        yield return new FuzzCase("150 headers", () => gateway.PostJsonAsync(ChatPath, """{"model":"gpt","messages":[{"role":"user","content":"hi"}]}""", many));
    }

    /// <summary>Raw HTTP/1.1 over a socket: chunking, lengths, content types, encodings, methods, header bytes.</summary>
    public static IEnumerable<FuzzCase> Raw(HardeningGateway gateway)
    {
        var body = Encoding.UTF8.GetBytes("""{"model":"gpt","messages":[{"role":"user","content":"hi"}]}""");
        var json = RawHttp.Header("Content-Type: application/json");
        byte[] Chunked(string size, byte[] data) => [.. Encoding.ASCII.GetBytes(size + "\r\n"), .. data, .. "\r\n0\r\n\r\n"u8];
        FuzzCase Case(string name, string requestLine, byte[][] headers, byte[] payload, bool kestrel = false, bool halfClose = false)
            => new(name, () => RawHttp.SendAsync(gateway.Gateway.BaseAddress, RawHttp.Build(requestLine, headers, payload), RawTimeout, halfClose), kestrel);

        var post = $"POST {ChatPath} HTTP/1.1";
        var chunked = RawHttp.Header("Transfer-Encoding: chunked");
        var length = RawHttp.Header("Content-Length: " + body.Length.ToString(CultureInfo.InvariantCulture));

        yield return Case("raw valid", post, [json, length], body);
        yield return Case("raw chunked valid", post, [json, chunked], Chunked(body.Length.ToString("x", CultureInfo.InvariantCulture), body));
        yield return Case("raw chunk size ffffffffffffffff", post, [json, chunked], Chunked("ffffffffffffffff", body));
        yield return Case("raw chunk size 7fffffff", post, [json, chunked], Chunked("7fffffff", body));
        yield return Case("raw chunk size zz", post, [json, chunked], Chunked("zz", body));
        yield return Case("raw chunk size negative", post, [json, chunked], Chunked("-1", body));
        yield return Case("raw chunk extension junk", post, [json, chunked], Chunked(body.Length.ToString("x", CultureInfo.InvariantCulture) + ";\u0001junk", body));
        yield return Case("raw chunked decide ffff", "POST /v1/router/decide HTTP/1.1", [json, chunked], Chunked("ffffffffffffffff", body));
        // The client announces more than it sends and leaves: nobody is left to answer, the gateway must just cope.
        yield return Case("raw content-length longer than body", post, [json, RawHttp.Header("Content-Length: 500")], body, kestrel: true, halfClose: true);
        yield return Case("raw content-length shorter than body", post, [json, RawHttp.Header("Content-Length: 10")], body);
        yield return Case("raw content-length negative", post, [json, RawHttp.Header("Content-Length: -1")], body, kestrel: true);
        yield return Case("raw content-length not a number", post, [json, RawHttp.Header("Content-Length: abc")], body, kestrel: true);
        yield return Case("raw content-length huge", post, [json, RawHttp.Header("Content-Length: 99999999999999")], body);
        yield return Case("raw two content-lengths", post, [json, length, RawHttp.Header("Content-Length: 5")], body, kestrel: true);
        yield return Case("raw content-length and chunked", post, [json, length, chunked], Chunked(body.Length.ToString("x", CultureInfo.InvariantCulture), body), kestrel: true);
        yield return Case("raw transfer-encoding gzip", post, [json, RawHttp.Header("Transfer-Encoding: gzip")], body, kestrel: true);
        yield return Case("raw gzip body", post, [json, RawHttp.Header("Content-Encoding: gzip"), RawHttp.Header($"Content-Length: {Gzip(body).Length}")], Gzip(body));
        yield return Case("raw no content-type", post, [length], body);
        yield return Case("raw form content-type", post, [RawHttp.Header("Content-Type: application/x-www-form-urlencoded"), length], body);
        yield return Case("raw text/plain", post, [RawHttp.Header("Content-Type: text/plain;charset=UTF-8"), length], body);
        yield return Case("raw content-type control char", post, [[.. "Content-Type: application/json"u8, 0x01], length], body);
        yield return Case("raw header value control char", post, [json, length, [.. "x-note: a"u8, 0x01, .. "b"u8]], body);
        yield return Case("raw header value utf-8", post, [json, length, RawHttp.Header("x-note: café")], body);
        yield return Case("raw header value latin-1", post, [json, length, [.. "x-note: caf"u8, 0xE9]], body);
        yield return Case("raw header value invalid utf-8", post, [json, length, [.. "x-note: "u8, 0xC3, 0x28, 0xFF]], body);
        yield return Case("raw header value NUL", post, [json, length, [.. "x-note: a"u8, 0x00, .. "b"u8]], body, kestrel: true);
        yield return Case("raw category header latin-1", post, [json, length, [.. "x-llmrouter-category: caf"u8, 0xE9]], body);
        yield return Case("raw header name with space", post, [json, length, RawHttp.Header("x bad: 1")], body, kestrel: true);
        yield return Case("raw header name non-token", post, [json, length, RawHttp.Header("x(note): 1")], body, kestrel: true);
        yield return Case("raw obsolete line folding", post, [json, length, RawHttp.Header("x-note: a\r\n  folded")], body, kestrel: true);
        yield return Case("raw header without colon", post, [json, length, RawHttp.Header("x-note")], body, kestrel: true);
        yield return Case("raw headers 40 KB", post, [json, length, RawHttp.Header("x-padding: " + new string('p', 40 * 1024))], body);
        yield return Case("raw headers 80 KB", post, [json, length, RawHttp.Header("x-padding: " + new string('p', 80 * 1024))], body, kestrel: true);
        yield return Case("raw request target 12 KB", $"GET /v1/models/{new string('m', 12 * 1024)} HTTP/1.1", [], []);
        yield return Case("raw request target 40 KB", $"GET /v1/models/{new string('m', 40 * 1024)} HTTP/1.1", [], [], kestrel: true);
        yield return Case("raw query 10 KB", $"GET /healthz?{new string('q', 10 * 1024)} HTTP/1.1", [], []);
        yield return Case("raw HTTP/9.9", "GET /healthz HTTP/9.9", [], [], kestrel: true);
        yield return Case("raw garbage request line", "GARBAGE", [], [], kestrel: true);
        yield return Case("raw absolute-form target", $"POST http://evil.example{ChatPath} HTTP/1.1", [json, length], body, kestrel: true);
        yield return Case("raw path with NUL escape", $"GET /v1/models/a%00b HTTP/1.1", [], [], kestrel: true);
        yield return Case("raw path traversal", $"GET /v1/models/..%2f..%2fetc HTTP/1.1", [], []);
        yield return Case("raw dotted path", "GET /v1beta/models/gemini-2.5-pro:generateContent HTTP/1.1", [], []);
        yield return Case("raw non-ASCII path bytes", "GET /v1/models/caf\u00e9 HTTP/1.1", [], [], kestrel: true);

        foreach (var method in new[] { "post", "GETX", "TRACE", "OPTIONS", "CONNECT", "PROPFIND", "DELETE", "HEAD" })
        {
            foreach (var path in new[] { ChatPath, "/v1/router/decide", "/metrics", "/healthz", "/readyz", "/v1/models", "/admin/deployments", "/nothing.txt" })
            {
                // CONNECT needs an authority-form target: anything else is Kestrel's to refuse.
                yield return Case($"raw {method} {path}", $"{method} {path} HTTP/1.1", [json, length], body, kestrel: method is "CONNECT" or "post");
            }
        }
    }

    private static string RandomHeaderValue(Random random)
    {
        var text = new StringBuilder();
        var length = random.Next(0, random.Next(2) == 0 ? 20 : 400);
        for (var i = 0; i < length; i++)
        {
            text.Append(random.Next(5) switch
            {
                0 => (char)random.Next(0xA0, 0x17F),
                1 => char.ConvertFromUtf32(random.Next(0x1F600, 0x1F650)),
                _ => ((char)random.Next(0x21, 0x7F)).ToString(),
            });
        }

        return text.ToString();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static string Shorten(string text) => text.Length <= 30 ? text : text[..30] + "…";
}
