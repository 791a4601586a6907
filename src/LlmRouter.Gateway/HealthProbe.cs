/// <summary>
/// <c>dotnet LlmRouter.Gateway.dll --probe http://127.0.0.1:8080/readyz</c>: exits 0 when the URL answers 2xx, else 1.
/// The container image has no shell and no curl, so a container healthcheck runs the gateway's own binary.
/// </summary>
internal static class HealthProbe
{
    public const string Argument = "--probe";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static bool IsRequested(string[] args) => args is [Argument, _];

    public static async Task<int> RunAsync(string url, TextWriter error)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            await error.WriteLineAsync($"{Argument} needs an absolute http(s) URL, got '{url}'.");
            return 2;
        }

        using var client = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead);
            if (response.IsSuccessStatusCode)
            {
                return 0;
            }

            await error.WriteLineAsync($"{uri} answered {(int)response.StatusCode}.");
            return 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"{uri} did not answer: {ex.Message}");
            return 1;
        }
    }
}
