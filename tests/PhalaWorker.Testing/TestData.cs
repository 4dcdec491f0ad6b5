namespace PhalaWorker.Testing;

/// <summary>
/// Locates <c>tests/testdata</c>: first the copy next to the test assembly (linked with
/// <c>&lt;None Include="..\testdata\**" LinkBase="testdata" /&gt;</c>), then by walking up to the repository's tests folder.
/// </summary>
public static class TestData
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The testdata root directory.</summary>
    public static string Root => RootPath.Value;

    /// <summary>Full path of a file or folder under testdata, e.g. <c>Path("onnx", "models", "tiny_mlp")</c>.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Reads a file under testdata.</summary>
    public static byte[] ReadBytes(params string[] parts)
    {
        var path = Path(parts);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"test data file not found: {path}", path);
        }

        return File.ReadAllBytes(path);
    }

    /// <summary>The repository root (the folder holding PhalaWorker.sln).</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "PhalaWorker.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new DirectoryNotFoundException($"PhalaWorker.sln not found above {AppContext.BaseDirectory}");
        }
    }

    private static string FindRoot()
    {
        var local = System.IO.Path.Combine(AppContext.BaseDirectory, "testdata");
        if (Directory.Exists(local))
        {
            return local;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "tests", "testdata");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"tests/testdata not found from {AppContext.BaseDirectory}");
    }
}
