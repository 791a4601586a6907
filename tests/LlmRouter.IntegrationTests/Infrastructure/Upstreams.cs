using System.Net;
using System.Net.Sockets;
using WireMock.Server;
using WireMock.Settings;

namespace LlmRouter.IntegrationTests.Infrastructure;

/// <summary>WireMock.Net upstreams bound to 127.0.0.1 only.</summary>
public static class Upstreams
{
    public static WireMockServer Start()
        => WireMockServer.Start(new WireMockServerSettings { Urls = [$"http://127.0.0.1:{FreePort()}"] });

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
