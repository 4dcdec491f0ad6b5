using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Conformance;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Onnx;
using PhalaWorker.Compute.Tests.Onnx;
using PhalaWorker.Testing.Onnx;

namespace PhalaWorker.Compute.Tests;

public sealed class ComputeEngineTests
{
    private static List<(string, ReadOnlyMemory<byte>)> Inputs(string model) =>
        NodeTestRunner.ReadTensorFiles(Path.Combine(OnnxTestData.Model(model), "test_data_set_0"), "input")
            .Select(b => (string.Empty, (ReadOnlyMemory<byte>)b)).ToList();

    private static byte[] XInput(params float[] values) => TensorProtoConverter.Serialize(Tensor.FromArray(values, values.Length), "x");

    [Test]
    public void Run_TinyMlp_ReturnsNamedTensorProtoOutputs()
    {
        var engine = new ComputeEngine(new ComputeOptions(), new CpuBackend());

        var result = engine.Run(OnnxTestData.ModelBytes("tiny_mlp"), Inputs("tiny_mlp"), CancellationToken.None);

        Assert.That(result.Backend, Is.EqualTo("cpu"));
        Assert.That(result.Outputs.Single().Name, Is.EqualTo("probs"));
        var probs = TensorProtoConverter.Deserialize(result.Outputs[0].TensorProto, long.MaxValue, "probs");
        Assert.That(probs.Shape, Is.EqualTo(new TensorShape(4, 10)));
    }

    [TestCase("auto")]
    [TestCase("avx2")]
    public void Run_LightInceptionV1_MatchesOnnxReferenceOutput(string isa)
    {
        // The Inception-v1-class model of the speed table (GoogLeNet structure incl. LRN, constant weights; not in the
        // ILGPU suites' model list, whose CPU-accelerator run would take minutes). "avx2" runs the Vector256 kernels.
        var saved = Sgemm.UseVector512;
        try
        {
            var engine = new ComputeEngine(new ComputeOptions { Threads = 2, CpuIsa = isa }, new CpuBackend());

            var result = NodeTestRunner.Run(OnnxTestData.Model("light_inception_v1"), engine, CancellationToken.None);

            Assert.That(result.Status, Is.EqualTo(NodeTestStatus.Passed), result.Detail);
            Assert.That(Sgemm.UseVector512, Is.EqualTo(isa == "auto" && saved));
        }
        finally
        {
            Sgemm.UseVector512 = saved;
        }
    }

    [Test]
    public void Constructor_UnknownCpuIsa_Throws()
    {
        Assert.Throws<ArgumentException>(() => _ = new ComputeEngine(new ComputeOptions { CpuIsa = "sse2" }, new CpuBackend()));
    }

    [TestCase("tiny_transformer_block")]
    [TestCase("light_squeezenet")]
    [TestCase("light_inception_v1")]
    public void Run_DifferentThreadCounts_BitIdenticalOutputs(string model)
    {
        var bytes = OnnxTestData.ModelBytes(model);
        var one = new ComputeEngine(new ComputeOptions { Threads = 1 }, new CpuBackend()).Run(bytes, Inputs(model), CancellationToken.None);
        var three = new ComputeEngine(new ComputeOptions { Threads = 3 }, new CpuBackend()).Run(bytes, Inputs(model), CancellationToken.None);
        var again = new ComputeEngine(new ComputeOptions { Threads = 3 }, new CpuBackend()).Run(bytes, Inputs(model), CancellationToken.None);

        Assert.That(three.Outputs[0].TensorProto, Is.EqualTo(one.Outputs[0].TensorProto));
        Assert.That(again.Outputs[0].TensorProto, Is.EqualTo(three.Outputs[0].TensorProto));
    }

    [Test]
    public void Run_AddRelu_ComputesValues()
    {
        var engine = new ComputeEngine(new ComputeOptions(), new CpuBackend());

        var result = engine.Run(TestModels.AddRelu().Bytes(), [("x", XInput(1f, 2f))], CancellationToken.None);

        var y = TensorProtoConverter.Deserialize(result.Outputs[0].TensorProto, 100, "y");
        Assert.That(y.AsReadOnlySpan<float>().ToArray(), Is.EqualTo(new[] { 2f, 0f }));
    }

    [Test]
    public void Run_MissingInput_InvalidInputNamingIt()
    {
        var engine = new ComputeEngine(new ComputeOptions(), new CpuBackend());

        var ex = Assert.Throws<ComputeException>(() => engine.Run(TestModels.AddRelu().Bytes(), [], CancellationToken.None));

        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.InvalidInput));
        Assert.That(ex.Message, Does.Contain("'x'"));
    }

    [Test]
    public void Run_WrongShape_InvalidInput()
    {
        var engine = new ComputeEngine(new ComputeOptions(), new CpuBackend());

        var ex = Assert.Throws<ComputeException>(() => engine.Run(TestModels.AddRelu().Bytes(), [("x", XInput(1f, 2f, 3f))], CancellationToken.None));

        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.InvalidInput));
    }

    [Test]
    public void Run_MalformedInputProto_InvalidInput()
    {
        var engine = new ComputeEngine(new ComputeOptions(), new CpuBackend());

        var ex = Assert.Throws<ComputeException>(() => engine.Run(TestModels.AddRelu().Bytes(), [("x", new byte[] { 0x42, 0xFF })], CancellationToken.None));

        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.InvalidInput));
    }

    [Test]
    public void Run_PlannedMemoryOverLimit_LimitExceededNamingNode()
    {
        var bytes = OnnxTestData.ModelBytes("tiny_transformer_block");
        var options = new ComputeOptions();
        var engine = new ComputeEngine(options, new CpuBackend());
        var model = engine.Load(bytes);
        options.MaxPlannedMemoryBytes = model.ConstantBytes + 1500; // room for one 8x32 activation, not the rest

        var ex = Assert.Throws<ComputeException>(() => engine.Run(model, Inputs("tiny_transformer_block"), CancellationToken.None));

        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.LimitExceeded));
        Assert.That(ex.Message, Does.Contain("MaxPlannedMemoryBytes"));
    }

    [Test]
    public void Run_IntegerDivisionByZero_ExecutionFailedNamingNode()
    {
        var g = new global::Onnx.GraphProto { Name = "div" };
        var vi = TestModels.FloatInput("x", 2);
        vi.Type.TensorType.ElemType = (int)global::Onnx.TensorProto.Types.DataType.Int64;
        g.Input.Add(vi);
        var output = TestModels.FloatInput("y", 2);
        output.Type.TensorType.ElemType = (int)global::Onnx.TensorProto.Types.DataType.Int64;
        g.Output.Add(output);
        var zero = new global::Onnx.TensorProto { Name = "zero", DataType = (int)global::Onnx.TensorProto.Types.DataType.Int64 };
        zero.Int64Data.Add(0);
        g.Initializer.Add(zero);
        g.Node.Add(TestModels.Node("Div", ["x", "zero"], ["y"]));
        var engine = new ComputeEngine(new ComputeOptions(), new CpuBackend());
        var x = TensorProtoConverter.Serialize(Tensor.FromArray(new long[] { 4, 5 }, 2), "x");

        var ex = Assert.Throws<ComputeException>(() => engine.Run(TestModels.Model(g).Bytes(), [("x", x)], CancellationToken.None));

        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.ExecutionFailed));
        Assert.That(ex.Message, Does.Contain("Div"));
    }

    [Test]
    public async Task Run_ConcurrentJobsOnOneModel_EachGetsItsOwnOutputsAsync()
    {
        var engine = new ComputeEngine(new ComputeOptions { Threads = 1 }, new CpuBackend());
        var model = engine.Load(OnnxTestData.ModelBytes("tiny_transformer_block"));
        var x = NodeTestRunner.ReadTensorFiles(Path.Combine(OnnxTestData.Model("tiny_transformer_block"), "test_data_set_0"), "input")
            .Select(b => TensorProtoConverter.Deserialize(b, long.MaxValue, "x")).Single();
        var inputs = Enumerable.Range(0, 6).Select(i =>
        {
            var values = x.AsReadOnlySpan<float>().ToArray().Select(v => v * (1 + (i * 0.25f))).ToArray();
            return new Tensor(DataType.Float, x.Shape, values);
        }).ToArray();
        var expected = inputs.Select(t => engine.RunTensors(model, [(string.Empty, t)], CancellationToken.None)[0].AsReadOnlySpan<float>().ToArray()).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(j => Task.Run(() =>
        {
            var i = j % inputs.Length;
            for (var r = 0; r < 20; r++)
            {
                var y = engine.RunTensors(model, [(string.Empty, inputs[i])], CancellationToken.None)[0].AsReadOnlySpan<float>().ToArray();
                if (!y.SequenceEqual(expected[i]))
                {
                    return $"job {j} run {r} differs";
                }
            }

            return null;
        })));

        Assert.That(expected.Select(e => e[0]).Distinct().Count(), Is.EqualTo(inputs.Length), "the inputs give different outputs");
        Assert.That(results.Where(r => r is not null), Is.Empty);
    }

    [Test]
    public void Run_AfterAFailedJob_NextJobOnTheModelIsCorrect()
    {
        var engine = new ComputeEngine(new ComputeOptions { MaxTensorElements = 1000 }, new CpuBackend());
        var model = engine.Load(TestModels.AddRelu().Bytes());
        var tooBig = Tensor.FromArray(new float[2000], 2000);

        Assert.Throws<ComputeException>(() => engine.RunTensors(model, [("x", tooBig)], CancellationToken.None));
        var y = engine.RunTensors(model, [("x", Tensor.FromArray(new[] { 3f, 4f }, 2))], CancellationToken.None)[0];

        Assert.That(y.AsReadOnlySpan<float>().ToArray(), Is.EqualTo(new[] { 4f, 0f }));
    }

    [Test]
    public void Load_SameBytesTwice_CachedModelReturned()
    {
        var engine = new ComputeEngine(new ComputeOptions(), new CpuBackend());
        var bytes = OnnxTestData.ModelBytes("tiny_mlp");

        var first = engine.Load(bytes);
        var second = engine.Load(bytes.ToArray());
        var other = engine.Load(TestModels.AddRelu().Bytes());

        Assert.That(second, Is.SameAs(first));
        Assert.That(other, Is.Not.SameAs(first));
        Assert.That(engine.CachedModels, Is.EqualTo(2));
    }

    [Test]
    public void Load_CacheDisabled_LoadsEveryTime()
    {
        var engine = new ComputeEngine(new ComputeOptions { ModelCacheEntries = 0 }, new CpuBackend());
        var bytes = OnnxTestData.ModelBytes("tiny_mlp");

        var first = engine.Load(bytes);
        var second = engine.Load(bytes);

        Assert.That(second, Is.Not.SameAs(first));
        Assert.That(engine.CachedModels, Is.Zero);
    }

    [Test]
    public void Load_MoreModelsThanEntries_LeastRecentlyUsedEvicted()
    {
        var engine = new ComputeEngine(new ComputeOptions { ModelCacheEntries = 2 }, new CpuBackend());
        var a = OnnxTestData.ModelBytes("tiny_mlp");
        var b = OnnxTestData.ModelBytes("tiny_transformer_block");
        var c = TestModels.AddRelu().Bytes();
        var firstA = engine.Load(a);
        var firstB = engine.Load(b);
        engine.Load(a); // a is now the most recent

        engine.Load(c);

        Assert.That(engine.CachedModels, Is.EqualTo(2));
        Assert.That(engine.Load(a), Is.SameAs(firstA));
        Assert.That(engine.Load(b), Is.Not.SameAs(firstB), "b was the least recently used");
    }

    [Test]
    public void Load_ModelOverCacheBytes_NotCached()
    {
        var engine = new ComputeEngine(new ComputeOptions { ModelCacheMaxBytes = 1000 }, new CpuBackend());
        var bytes = OnnxTestData.ModelBytes("tiny_mlp"); // 0.4 MB of weights

        var first = engine.Load(bytes);
        var second = engine.Load(bytes);

        Assert.That(second, Is.Not.SameAs(first));
        Assert.That(engine.Load(TestModels.AddRelu().Bytes()).ConstantBytes, Is.LessThan(1000));
        Assert.That(engine.CachedModels, Is.EqualTo(1));
    }

    [Test]
    public void Load_RefusedModel_NotCachedAndRefusedAgain()
    {
        var engine = new ComputeEngine(new ComputeOptions { MaxNodes = 1 }, new CpuBackend());
        var bytes = OnnxTestData.ModelBytes("tiny_mlp");

        Assert.Throws<ComputeException>(() => engine.Load(bytes));
        Assert.Throws<ComputeException>(() => engine.Load(bytes));
        Assert.That(engine.CachedModels, Is.Zero);
    }

    [Test]
    public void Run_Cancelled_ThrowsOperationCanceled()
    {
        var engine = new ComputeEngine(new ComputeOptions(), new CpuBackend());
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.Throws<OperationCanceledException>(() => engine.Run(TestModels.AddRelu().Bytes(), [("x", XInput(1f, 2f))], cts.Token));
    }

    [Test]
    public void Run_LogsDigestsNotData()
    {
        var logger = new FakeLogger<ComputeEngine>();
        var engine = new ComputeEngine(new ComputeOptions(), new CpuBackend(), logger);

        engine.Run(TestModels.AddRelu().Bytes(), [("x", XInput(1f, 2f))], CancellationToken.None);

        var records = logger.Collector.GetSnapshot();
        var modelSha256 = Convert.ToHexStringLower(SHA256.HashData(TestModels.AddRelu().Bytes()));
        Assert.That(records.Select(r => r.Id.Id), Is.EqualTo(new[] { 4000, 4002 }));
        Assert.That(logger.Collector.LatestRecord.Message, Does.Contain("output digest"));
        Assert.That(records.Select(r => r.Message), Has.None.Contain(modelSha256[..16]), "no plain digest a host could match against a guessed model");
        Assert.That(records.Select(r => r.Message), Has.None.Contain("nodes").And.None.Contain("opset").And.None.Contain("bytes"), "no model structure");
        Assert.That(records[0].Message, Does.Contain(ComputeEngine.LogPseudonym(SHA256.HashData(TestModels.AddRelu().Bytes()))));
    }

    [Test]
    public void AddCompute_FromConfiguration_ResolvesEngineOnConfiguredBackend()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Backend"] = "cpu",
            ["MaxNodes"] = "123",
            ["Threads"] = "1",
        }).Build();
        using var provider = new ServiceCollection().AddLogging().AddCompute(config).BuildServiceProvider();

        var engine = provider.GetRequiredService<ComputeEngine>();

        Assert.That(engine.BackendName, Is.EqualTo("cpu"));
        Assert.That(engine.Options.MaxNodes, Is.EqualTo(123));
    }

    [Test]
    public void ComputeBackendRegistry_UnknownBackend_BackendUnavailable()
    {
        var ex = Assert.Throws<ComputeException>(() => ComputeBackendRegistry.Create("tpu", new ComputeOptions()));

        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.BackendUnavailable));
        Assert.That(ex.Message, Does.Contain("tpu"));
    }
}
