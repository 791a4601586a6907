using System.Text.Json;
using System.Text.RegularExpressions;

namespace LlmRouter.IntegrationTests.Deploy;

/// <summary>The instructions of <c>deploy/docker/Dockerfile</c>, line continuations joined and comments dropped.</summary>
internal sealed partial class Dockerfile
{
    public const string RelativePath = "deploy/docker/Dockerfile";

    private Dockerfile(IReadOnlyList<(string Instruction, string Arguments)> instructions) => Instructions = instructions;

    public IReadOnlyList<(string Instruction, string Arguments)> Instructions { get; }

    /// <summary>Instructions of the last stage (the image that ships).</summary>
    public IEnumerable<(string Instruction, string Arguments)> FinalStage
        => Instructions.Skip(Instructions.Select((x, i) => (x.Instruction, i)).Last(x => x.Instruction == "FROM").i);

    /// <summary>ENV of the final stage: <c>KEY=value</c> pairs.</summary>
    public IReadOnlyList<EnvVar> Environment
        => FinalStage.Where(x => x.Instruction == "ENV")
            .SelectMany(x => EnvPair().Matches(x.Arguments))
            .Select(m => new EnvVar(m.Groups[1].Value, m.Groups[2].Value.Trim('"')))
            .ToList();

    /// <summary>The port the image's app listens on (its <c>ASPNETCORE_HTTP_PORTS</c>).</summary>
    public int HttpPort => int.Parse(Environment.Single(e => e.Name == "ASPNETCORE_HTTP_PORTS").Value!, System.Globalization.CultureInfo.InvariantCulture);

    public static Dockerfile Load()
    {
        var instructions = new List<(string, string)>();
        var pending = "";
        foreach (var raw in File.ReadAllLines(RepoFiles.PathOf(RelativePath)))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
            {
                continue;
            }

            pending += line.EndsWith('\\') ? line[..^1] + " " : line;
            if (!line.EndsWith('\\'))
            {
                var space = pending.IndexOf(' ', StringComparison.Ordinal);
                instructions.Add((pending[..space].ToUpperInvariant(), pending[(space + 1)..].Trim()));
                pending = "";
            }
        }

        return new Dockerfile(instructions);
    }

    /// <summary>An exec-form argument list (<c>["a", "b"]</c>), as JSON.</summary>
    public static string[] ExecForm(string arguments)
        => JsonSerializer.Deserialize<string[]>(arguments) ?? throw new Xunit.Sdk.XunitException($"Not an exec-form list: {arguments}");

    [GeneratedRegex("""([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)""")]
    private static partial Regex EnvPair();
}
