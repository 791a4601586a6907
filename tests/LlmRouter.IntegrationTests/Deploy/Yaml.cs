using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LlmRouter.IntegrationTests.Deploy;

/// <summary>YAML documents as YamlDotNet nodes (merge keys resolved, as compose does) and small navigation helpers.</summary>
internal static class Yaml
{
    public static IReadOnlyList<YamlMappingNode> LoadFile(string path) => Load(File.ReadAllText(path));

    public static IReadOnlyList<YamlMappingNode> Load(string text)
    {
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(new StringReader(text))));
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
    }

    public static YamlNode? Get(this YamlNode node, string key)
        => node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static YamlMappingNode Map(this YamlNode node, string key)
        => node.Get(key) as YamlMappingNode ?? throw new Xunit.Sdk.XunitException($"'{key}' is missing or not a mapping in {Describe(node)}.");

    public static string? Str(this YamlNode node, string key) => (node.Get(key) as YamlScalarNode)?.Value;

    public static string Required(this YamlNode node, string key)
        => node.Str(key) ?? throw new Xunit.Sdk.XunitException($"'{key}' is missing in {Describe(node)}.");

    public static IEnumerable<YamlNode> Items(this YamlNode node, string key)
        => node.Get(key) is YamlSequenceNode sequence ? sequence.Children : [];

    public static IEnumerable<string> Scalars(this YamlNode node, string key)
        => node.Items(key).OfType<YamlScalarNode>().Select(s => s.Value ?? "");

    public static IEnumerable<(string Key, YamlNode Value)> Entries(this YamlNode node)
        => node is YamlMappingNode map ? map.Children.Select(c => (((YamlScalarNode)c.Key).Value ?? "", c.Value)) : [];

    private static string Describe(YamlNode node) => $"node at {node.Start}";
}
