using System.Diagnostics;
using System.Net.Sockets;

namespace LlmRouter.IntegrationTests.Infrastructure;

/// <summary>
/// The real Redis the fleet tests share: its address comes from <c>LLMROUTER_TEST_REDIS</c> (set by .ci/run, which
/// starts redis-server). Missing or unreachable is a test failure, never a skip. Tests that stop Redis start a
/// private redis-server of their own on a free 127.0.0.1 port.
/// </summary>
public sealed class RedisServer : IDisposable
{
    public const string Variable = "LLMROUTER_TEST_REDIS";

    private Process? _process;

    private RedisServer(int port)
    {
        Port = port;
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The shared server's address; fails the test when the variable is missing or nothing answers there.</summary>
    public static string SharedAddress()
    {
        var address = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(address))
        {
            Assert.Fail($"{Variable} is not set: start redis-server on 127.0.0.1 and export its host:port (.ci/run does).");
        }

        var parts = address.Split(':');
        if (!Answers(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)))
        {
            Assert.Fail($"{Variable}={address}: no Redis answers there.");
        }

        // The shared machine may be loaded: longer timeouts than production's 500 ms keep counts exact there.
        return address + ",asyncTimeout=3000,syncTimeout=3000";
    }

    /// <summary>Starts a private redis-server (no persistence) and waits until it answers.</summary>
    public static RedisServer StartPrivate()
    {
        var server = new RedisServer(Upstreams.FreePort());
        server.Start();
        return server;
    }

    /// <summary>Kills the process at once, as an outage would.</summary>
    public void Stop()
    {
        if (_process is { } process)
        {
            process.Kill();
            process.WaitForExit(5000);
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>Starts the server again on the same port, empty.</summary>
    public void Start()
    {
        var start = new ProcessStartInfo("redis-server", $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no --daemonize no")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            _process = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Fail($"redis-server could not be started ({ex.Message}); install the redis-server package (.ci/run does).");
        }

        _process!.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        var deadline = Stopwatch.StartNew();
        while (!Answers("127.0.0.1", Port))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                Assert.Fail($"redis-server on port {Port} did not answer within 10 s.");
            }

            Thread.Sleep(50);
        }
    }

    public void Dispose() => Stop();

    private static bool Answers(string host, int port)
    {
        try
        {
            using var client = new TcpClient();
            if (!client.ConnectAsync(host, port).Wait(TimeSpan.FromSeconds(3)))
            {
                return false;
            }

            using var stream = client.GetStream();
            stream.Write("PING\r\n"u8);
            var buffer = new byte[16];
            stream.ReadTimeout = 3000;
            var read = stream.Read(buffer);
            return read > 0 && buffer[0] == (byte)'+';
        }
        catch (Exception ex) when (ex is SocketException or IOException or AggregateException)
        {
            return false;
        }
    }
}
