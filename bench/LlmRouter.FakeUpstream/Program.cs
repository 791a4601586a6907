using System.Globalization;
using System.Runtime.InteropServices;
using LlmRouter.Simulator;

// Usage: LlmRouter.FakeUpstream <port> [streamTokensPerSecond]
// Serves /sim/{deployment}/v1/chat/completions (OpenAI), /sim/{deployment}/v1/messages (Anthropic) and
// /sim/{deployment}/v1beta/models/{model}:generateContent|:streamGenerateContent (Gemini) on 127.0.0.1 only.
// Non-streaming answers have no delay; streams are paced at streamTokensPerSecond (0: no pacing).
if (args.Length is < 1 or > 2
    || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
    || port is < 1 or > 65535)
{
    await Console.Error.WriteLineAsync("usage: LlmRouter.FakeUpstream <port> [streamTokensPerSecond]");
    return 2;
}

var tokensPerSecond = 0d;
if (args.Length == 2 && (!double.TryParse(args[1], NumberStyles.Float, CultureInfo.InvariantCulture, out tokensPerSecond) || tokensPerSecond < 0))
{
    await Console.Error.WriteLineAsync("streamTokensPerSecond must be a non-negative number");
    return 2;
}

var behavior = new SimulatedBehavior { TokensPerSecond = tokensPerSecond };
var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

// The simulator ignores signals by design (it is usually embedded); this process owns them.
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

await using (var server = await SimulatedUpstreamServer.StartAsync(_ => behavior, $"http://127.0.0.1:{port}"))
{
    Console.WriteLine($"fake upstream listening on {server.BaseAddress} (stream pacing {tokensPerSecond} tokens/s)");
    await stop.Task;
}

return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.TrySetResult();
}
