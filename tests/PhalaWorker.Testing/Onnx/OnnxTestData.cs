namespace PhalaWorker.Testing.Onnx;

/// <summary>Locates the ONNX test data (tests/testdata/onnx, linked into each test's output as testdata/onnx).</summary>
public static class OnnxTestData
{
    /// <summary>Names of the bundled whole models (folders under models/).</summary>
    public static readonly IReadOnlyList<string> ModelNames = ["tiny_mlp", "tiny_transformer_block", "light_squeezenet", "light_resnet50"];

    /// <summary>The onnx test-data root: next to the test assembly, or found by walking up to tests/testdata/onnx.</summary>
    public static string Root
    {
        get
        {
            var local = Path.Combine(AppContext.BaseDirectory, "testdata", "onnx");
            if (Directory.Exists(local))
            {
                return local;
            }

            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "testdata", "onnx");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("tests/testdata/onnx not found");
        }
    }

    public static string NodeRoot => Path.Combine(Root, "node");

    public static string ModelRoot => Path.Combine(Root, "models");

    /// <summary>ONNX's backend "simple" tests (multi-node models; here the sequence models), next to node/.</summary>
    public static string SimpleRoot => Path.Combine(Root, "simple");

    /// <summary>Names of every simple-test folder, sorted.</summary>
    public static IReadOnlyList<string> SimpleTestNames() =>
        Directory.EnumerateDirectories(SimpleRoot, "test_*").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();

    /// <summary>Folder of a bundled model.</summary>
    public static string Model(string name) => Path.Combine(ModelRoot, name);

    /// <summary>Bytes of a bundled model's model.onnx.</summary>
    public static byte[] ModelBytes(string name) => File.ReadAllBytes(Path.Combine(Model(name), "model.onnx"));

    /// <summary>Names of every node-test folder, sorted.</summary>
    public static IReadOnlyList<string> NodeTestNames() =>
        Directory.EnumerateDirectories(NodeRoot, "test_*").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();

    /// <summary>Whether an ONNX node test may be reported unsupported (Optional values, float8/float4/int4/int2 casts).</summary>
    public static bool MayBeUnsupported(string testName)
    {
        ArgumentNullException.ThrowIfNull(testName);
        string[] markers = ["FLOAT8", "FLOAT4", "INT4", "UINT4", "INT2", "UINT2", "e8m0", "identity_opt"];
        return markers.Any(m => testName.Contains(m, StringComparison.Ordinal));
    }
}
