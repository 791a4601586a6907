namespace LlmRouter.IntegrationTests.Deploy;

/// <summary>Paths in the repository the tests run from (found by walking up to <c>LlmRouter.sln</c>).</summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string DeployDir => Path.Combine(Root, "deploy");

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(PathOf(parts));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmRouter.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No LlmRouter.sln above {AppContext.BaseDirectory}.");
    }
}
