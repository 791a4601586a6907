using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace LlmRouter.IntegrationTests.Hardening;

/// <summary>
/// Sends exact bytes over a TcpClient (what HttpClient refuses to produce: bad chunk sizes, control characters,
/// non-ASCII header bytes, odd methods) and reads one HTTP/1.1 response until the server closes the connection.
/// </summary>
public static class RawHttp
{
    /// <param name="gateway">The gateway's address.</param>
    /// <param name="request">The exact bytes to send.</param>
    /// <param name="timeout">How long to wait for the answer.</param>
    /// <param name="halfClose">
    /// Close the sending side after the request (a client that sent less than it announced and left). Kestrel treats
    /// the end of input as the client leaving, so only cases where nobody is expected to read an answer use it.
    /// </param>
    public static async Task<RawResponse> SendAsync(Uri gateway, byte[] request, TimeSpan timeout, bool halfClose = false)
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(timeout);
        await client.ConnectAsync(gateway.Host, gateway.Port, cts.Token);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(request, cts.Token);
            if (halfClose)
            {
                client.Client.Shutdown(SocketShutdown.Send);
            }
        }
        catch (IOException)
        {
            // The server may answer and close before reading everything (e.g. a 431); read what it sent.
        }

        using var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, cts.Token);
        }
        catch (IOException)
        {
            // Reset after the answer: keep what arrived.
        }

        return Parse(received.ToArray());
    }

    /// <summary>A request with the given request line, headers (raw bytes allowed) and body; always <c>Connection: close</c>.</summary>
    public static byte[] Build(string requestLine, IEnumerable<byte[]> headerLines, byte[] body)
    {
        using var buffer = new MemoryStream();
        Write(buffer, requestLine + "\r\n");
        Write(buffer, "Host: 127.0.0.1\r\nConnection: close\r\n");
        foreach (var line in headerLines)
        {
            buffer.Write(line);
            Write(buffer, "\r\n");
        }

        Write(buffer, "\r\n");
        buffer.Write(body);
        return buffer.ToArray();
    }

    public static byte[] Header(string line) => Encoding.UTF8.GetBytes(line);

    private static void Write(MemoryStream buffer, string text) => buffer.Write(Encoding.UTF8.GetBytes(text));

    private static RawResponse Parse(byte[] data)
    {
        var end = data.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return RawResponse.None;
        }

        var head = Encoding.Latin1.GetString(data, 0, end).Split("\r\n");
        var statusParts = head[0].Split(' ', 3);
        if (statusParts.Length < 2 || !int.TryParse(statusParts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            return RawResponse.None;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in head.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        var body = data.AsSpan(end + 4).ToArray();
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }

        return new RawResponse(status, headers, body);
    }

    private static byte[] Dechunk(byte[] chunked)
    {
        using var output = new MemoryStream();
        var position = 0;
        while (position < chunked.Length)
        {
            var lineEnd = chunked.AsSpan(position).IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }

            var sizeText = Encoding.ASCII.GetString(chunked, position, lineEnd).Split(';')[0];
            if (!int.TryParse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size == 0)
            {
                break;
            }

            position += lineEnd + 2;
            output.Write(chunked, position, Math.Min(size, chunked.Length - position));
            position += size + 2;
        }

        return output.ToArray();
    }
}
