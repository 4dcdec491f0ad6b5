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

    [TestCase("tiny_transformer_block")]
    [TestCase("light_squeezenet")]
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

        var ids = logger.Collector.GetSnapshot().Select(r => r.Id.Id).ToArray();
        Assert.That(ids, Is.EqualTo(new[] { 4000, 4002 }));
        Assert.That(logger.Collector.LatestRecord.Message, Does.Contain("output digest"));
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
