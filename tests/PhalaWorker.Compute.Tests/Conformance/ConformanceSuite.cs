using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Conformance;
using PhalaWorker.Testing.Onnx;

namespace PhalaWorker.Compute.Tests.Conformance;

/// <summary>
/// The ONNX conformance suite, run once per backend by a sealed subclass (CONVENTIONS.md 22): every node-test folder in
/// tests/testdata/onnx/node, the sequence models in tests/testdata/onnx/simple and the four bundled models, compared with
/// ONNX's tolerance (rtol 1e-3, atol 1e-7). Only Optional values and float8/float4/int4/int2 casts may be reported unsupported (Assert.Ignore with the
/// refusal, which names the type); any other refusal is a failure.
/// </summary>
public abstract class ConformanceSuite
{
    private ComputeEngine? _engine;
    private IComputeBackend? _backend;

    /// <summary>Creates the backend under test (may call Assume/Assert.Ignore when it cannot run here).</summary>
    protected abstract IComputeBackend CreateBackend();

    protected virtual ComputeOptions CreateOptions() => new() { Threads = 2 };

    public static IEnumerable<TestCaseData> NodeTests() =>
        OnnxTestData.NodeTestNames().Select(n => new TestCaseData(n).SetName($"NodeTest_{n}"));

    public static IEnumerable<TestCaseData> SimpleTests() =>
        OnnxTestData.SimpleTestNames().Select(n => new TestCaseData(n).SetName($"SimpleTest_{n}"));

    public static IEnumerable<TestCaseData> Models() =>
        OnnxTestData.ModelNames.Select(n => new TestCaseData(n).SetName($"Model_{n}"));

    [OneTimeSetUp]
    public void CreateEngine()
    {
        _backend = CreateBackend();
        _engine = new ComputeEngine(CreateOptions(), _backend);
    }

    [OneTimeTearDown]
    public void DisposeBackend() => _backend?.Dispose();

    /// <summary>The backend under test (created in <see cref="CreateEngine"/>).</summary>
    protected IComputeBackend Backend => _backend!;

    /// <summary>The engine under test (created in <see cref="CreateEngine"/>).</summary>
    protected ComputeEngine Engine => _engine!;

    [TestCaseSource(nameof(NodeTests))]
    public void Run_NodeTest_MatchesExpected(string name) => RunFolder(Path.Combine(OnnxTestData.NodeRoot, name), name);

    [TestCaseSource(nameof(SimpleTests))]
    public void Run_SimpleTest_MatchesExpected(string name) => RunFolder(Path.Combine(OnnxTestData.SimpleRoot, name), name);

    [TestCaseSource(nameof(Models))]
    public void Run_BundledModel_MatchesExpected(string name) => RunFolder(OnnxTestData.Model(name), name);

    /// <summary>Runs one test folder and checks its outcome; backends add their own checks around the run.</summary>
    protected virtual void RunFolder(string folder, string name) => Check(NodeTestRunner.Run(folder, _engine!, CancellationToken.None), name);

    /// <summary>Fails unless the outputs matched; ignores (with the refusal) a test that may be unsupported.</summary>
    protected static void Check(NodeTestResult result, string name)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Status == NodeTestStatus.Unsupported && OnnxTestData.MayBeUnsupported(name))
        {
            Assert.Ignore($"unsupported: {result.Detail}");
        }

        Assert.That(result.Status, Is.EqualTo(NodeTestStatus.Passed), result.Detail);
    }
}
