using Onnx;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Onnx;
using PhalaWorker.Compute.Tests.Onnx;

namespace PhalaWorker.Compute.Tests.Operators;

/// <summary>Sequence values and operators beyond the ONNX data sets: load-time kind checks, run-time position/type errors,
/// liveness of shared elements, and the SequenceProto wire form.</summary>
public sealed class SequenceOperatorsTests
{
    private static ValueInfoProto FloatSequence(string name) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            SequenceType = new TypeProto.Types.Sequence
            {
                ElemType = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            },
        },
    };

    private static ValueInfoProto Int64Input(string name) => new()
    {
        Name = name,
        Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Int64 } },
    };

    private static AttributeProto Int(string name, long value) => new() { Name = name, I = value, Type = AttributeProto.Types.AttributeType.Int };

    private static ComputeEngine Engine() => new(new ComputeOptions { Threads = 1 }, new CpuBackend());

    /// <summary>x → SplitToSequence(axis 0) → SequenceErase(pos) → ConcatFromSequence(axis 0) → y, plus SequenceLength.</summary>
    private static ModelProto SplitEraseConcat()
    {
        var g = new GraphProto { Name = "seq" };
        g.Input.Add(TestModels.FloatInput("x", 4, 2));
        g.Input.Add(Int64Input("pos"));
        g.Output.Add(TestModels.FloatInput("y", 3, 2));
        g.Output.Add(Int64Input("n"));
        g.Node.Add(TestModels.Node("SplitToSequence", ["x"], ["s"], Int("axis", 0)));
        g.Node.Add(TestModels.Node("SequenceErase", ["s", "pos"], ["t"]));
        g.Node.Add(TestModels.Node("ConcatFromSequence", ["t"], ["y"], Int("axis", 0)));
        g.Node.Add(TestModels.Node("SequenceLength", ["t"], ["n"]));
        return TestModels.Model(g, opset: 13);
    }

    [TestCase(0L, new[] { 2f, 3, 4, 5, 6, 7 })]
    [TestCase(-1L, new[] { 0f, 1, 2, 3, 4, 5 })]
    [TestCase(1L, new[] { 0f, 1, 4, 5, 6, 7 })]
    public void SplitEraseConcat_Position_RemovesThatRow(long position, float[] expected)
    {
        var engine = Engine();
        var outputs = engine.RunTensors(engine.Load(SplitEraseConcat().Bytes()),
            [("x", Tensor.FromArray(Enumerable.Range(0, 8).Select(i => (float)i).ToArray(), 4, 2)), ("pos", Tensor.Scalar(position))], CancellationToken.None);

        Assert.That(outputs[0].AsReadOnlySpan<float>().ToArray(), Is.EqualTo(expected));
        Assert.That(outputs[1].AsReadOnlySpan<long>()[0], Is.EqualTo(3));
    }

    [TestCase(4L)]
    [TestCase(-5L)]
    public void SequenceErase_PositionOutOfRange_FailsNamingNodeAndRange(long position)
    {
        var engine = Engine();
        var ex = Assert.Throws<ComputeException>(() => engine.RunTensors(engine.Load(SplitEraseConcat().Bytes()),
            [("x", Tensor.Zeros(DataType.Float, new TensorShape(4, 2))), ("pos", Tensor.Scalar(position))], CancellationToken.None));

        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.ExecutionFailed));
        Assert.That(ex.Message, Does.Contain("SequenceErase").And.Contain("out of range [-4, 3]"));
    }

    [Test]
    public void Load_SequenceIntoTensorOperator_RefusedNamingInput()
    {
        var g = new GraphProto { Name = "bad" };
        g.Input.Add(TestModels.FloatInput("x", 2));
        g.Output.Add(TestModels.FloatInput("y", 2));
        g.Node.Add(TestModels.Node("SequenceConstruct", ["x"], ["s"]));
        g.Node.Add(TestModels.Node("Relu", ["s"], ["y"]));

        var ex = Assert.Throws<ComputeException>(() => Engine().Load(TestModels.Model(g).Bytes()));

        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.InvalidModel));
        Assert.That(ex.Message, Does.Contain("input 0 's' is a sequence, the operator takes tensors"));
    }

    [Test]
    public void Load_TensorIntoSequenceSlot_Refused()
    {
        var g = new GraphProto { Name = "bad" };
        g.Input.Add(TestModels.FloatInput("x", 2));
        g.Output.Add(Int64Input("n"));
        g.Node.Add(TestModels.Node("SequenceLength", ["x"], ["n"]));

        var ex = Assert.Throws<ComputeException>(() => Engine().Load(TestModels.Model(g).Bytes()));

        Assert.That(ex!.Message, Does.Contain("input 0 'x' is a tensor, SequenceLength takes a sequence there"));
    }

    [Test]
    public void Load_SequenceConstructOfMixedKnownTypes_Refused()
    {
        var g = new GraphProto { Name = "bad" };
        g.Input.Add(TestModels.FloatInput("x", 2));
        g.Input.Add(Int64Input("i"));
        g.Output.Add(FloatSequence("s"));
        g.Node.Add(TestModels.Node("SequenceConstruct", ["x", "i"], ["s"]));

        var ex = Assert.Throws<ComputeException>(() => Engine().Load(TestModels.Model(g).Bytes()));

        Assert.That(ex!.Message, Does.Contain("element types differ (Float and Int64)"));
    }

    [Test]
    public void Load_SequenceOperatorBeforeOpset11_Refused()
    {
        var g = new GraphProto { Name = "old" };
        g.Input.Add(TestModels.FloatInput("x", 2));
        g.Output.Add(FloatSequence("s"));
        g.Node.Add(TestModels.Node("SequenceConstruct", ["x"], ["s"]));

        var ex = Assert.Throws<ComputeException>(() => Engine().Load(TestModels.Model(g, opset: 10).Bytes()));

        Assert.That(ex!.Message, Does.Contain("needs opset 11"));
    }

    [Test]
    public void Load_DeclaredTensorOutputProducedAsSequence_Refused()
    {
        var g = new GraphProto { Name = "bad" };
        g.Input.Add(TestModels.FloatInput("x", 2));
        g.Output.Add(TestModels.FloatInput("s", 2));
        g.Node.Add(TestModels.Node("SequenceConstruct", ["x"], ["s"]));

        var ex = Assert.Throws<ComputeException>(() => Engine().Load(TestModels.Model(g).Bytes()));

        Assert.That(ex!.Message, Does.Contain("graph output 's' is declared a tensor but is produced as a sequence"));
    }

    [Test]
    public void Run_SequenceOutputOfSharedElements_SurvivesBufferReuse()
    {
        // s = [Relu(x), Relu(x)+x]; the Relu output dies as a value after the Add but lives on inside the sequence, so
        // its buffer must not be reused by later nodes (Neg, Abs write fresh values of the same size).
        var g = new GraphProto { Name = "live" };
        g.Input.Add(TestModels.FloatInput("x", 3));
        g.Output.Add(FloatSequence("s"));
        g.Output.Add(TestModels.FloatInput("z", 3));
        g.Node.Add(TestModels.Node("Relu", ["x"], ["r"]));
        g.Node.Add(TestModels.Node("Add", ["r", "x"], ["a"]));
        g.Node.Add(TestModels.Node("SequenceConstruct", ["r", "a"], ["s"]));
        g.Node.Add(TestModels.Node("Neg", ["x"], ["n1"]));
        g.Node.Add(TestModels.Node("Abs", ["n1"], ["n2"]));
        g.Node.Add(TestModels.Node("Neg", ["n2"], ["z"]));
        var engine = Engine();
        var model = engine.Load(TestModels.Model(g).Bytes());

        var result = engine.Run(model, [("x", TestModels.FloatTensor("x", [-1f, 2f, 3f], 3).Bytes())], CancellationToken.None);

        var s = SequenceProtoConverter.Deserialize(result.Outputs[0].TensorProto, 100, DataType.Float, "s").SequenceElements;
        Assert.That(s.Select(e => e.AsReadOnlySpan<float>().ToArray()), Is.EqualTo(new[] { new[] { 0f, 2f, 3f }, new[] { -1f, 4f, 6f } }));
    }

    [Test]
    public void Run_SequenceInputOfWrongElementType_RefusedAsInvalidInput()
    {
        var g = new GraphProto { Name = "len" };
        g.Input.Add(FloatSequence("s"));
        g.Output.Add(Int64Input("n"));
        g.Node.Add(TestModels.Node("SequenceLength", ["s"], ["n"]));
        var engine = Engine();
        var model = engine.Load(TestModels.Model(g).Bytes());
        var wrong = SequenceProtoConverter.Serialize(Tensor.Sequence(DataType.Int64, [Tensor.Scalar(1L)]), "s");

        var ex = Assert.Throws<ComputeException>(() => engine.Run(model, [("s", wrong)], CancellationToken.None));

        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.InvalidInput));
        Assert.That(ex.Message, Does.Contain("element 0 is Int64, the graph expects a sequence of Float"));
    }

    [Test]
    public void SequenceProto_RoundTrip_KeepsElementsAndEmptySequence()
    {
        var seq = Tensor.Sequence(DataType.Float, [Tensor.FromArray([1f, 2f], 2), Tensor.FromArray([3f], 1, 1)]);

        var back = SequenceProtoConverter.Deserialize(SequenceProtoConverter.Serialize(seq, "s"), 100, DataType.Float, "s");
        var empty = SequenceProtoConverter.Deserialize(SequenceProtoConverter.Serialize(Tensor.Sequence(DataType.Float, []), "e"), 100, DataType.Float, "e");

        Assert.That(back.SequenceElements.Select(e => e.Shape.ToString()), Is.EqualTo(new[] { "[2]", "[1x1]" }));
        Assert.That(back.SequenceElements[1].AsReadOnlySpan<float>()[0], Is.EqualTo(3f));
        Assert.That(empty.IsSequence && empty.SequenceElements.Count == 0, Is.True);
    }

    [Test]
    public void SequenceProto_ElementsOverMaxTensorElementsTogether_Refused()
    {
        var seq = Tensor.Sequence(DataType.Float, [Tensor.Zeros(DataType.Float, new TensorShape(6)), Tensor.Zeros(DataType.Float, new TensorShape(6))]);

        var ex = Assert.Throws<ComputeException>(() => SequenceProtoConverter.Deserialize(SequenceProtoConverter.Serialize(seq, "s"), 10, DataType.Float, "s"));

        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.LimitExceeded));
    }

    [Test]
    public void SequenceProto_Truncated_RefusedAsInvalidInput()
    {
        var bytes = SequenceProtoConverter.Serialize(Tensor.Sequence(DataType.Float, [Tensor.FromArray([1f, 2f, 3f], 3)]), "s");

        var ex = Assert.Throws<ComputeException>(() => SequenceProtoConverter.Deserialize(bytes.AsSpan(0, bytes.Length - 3), 100, DataType.Float, "s"));

        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.InvalidInput));
        Assert.That(ex.Message, Does.Contain("malformed SequenceProto"));
    }

    [Test]
    public void SplitToSequence_SplitNotSummingToAxis_FailsNamingSplit()
    {
        var g = new GraphProto { Name = "split" };
        g.Input.Add(TestModels.FloatInput("x", 5));
        g.Input.Add(Int64Input("split"));
        g.Output.Add(FloatSequence("s"));
        g.Node.Add(TestModels.Node("SplitToSequence", ["x", "split"], ["s"]));
        var engine = Engine();

        var ex = Assert.Throws<ComputeException>(() => engine.RunTensors(engine.Load(TestModels.Model(g).Bytes()),
            [("x", Tensor.Zeros(DataType.Float, new TensorShape(5))), ("split", Tensor.FromArray([2L, 2L], 2))], CancellationToken.None));

        Assert.That(ex!.Message, Does.Contain("split [2,2] must be non-negative and sum to the axis length 5"));
    }
}
