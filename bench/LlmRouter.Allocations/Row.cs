namespace LlmRouter.Allocations;

/// <summary>A measured target: allocation per request (median over rounds) and request-log lines per request.</summary>
/// <param name="Phase">Which hosts were in the process while it was measured.</param>
/// <param name="Target">What was sent where.</param>
/// <param name="BytesPerRequest">Bytes the whole process allocated per request (client, hops, simulator, log writer).</param>
/// <param name="SpreadBytes">Largest minus smallest round, per request: how settled the figure is.</param>
/// <param name="LogLinesPerRequest">Lines written to standard output per request: the gateway's request log.</param>
internal sealed record Row(string Phase, Target Target, double BytesPerRequest, double SpreadBytes, double LogLinesPerRequest);
