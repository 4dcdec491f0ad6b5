using Google.Protobuf;
using Onnx;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Onnx;
using PhalaWorker.Testing.Onnx;

namespace PhalaWorker.Compute.Tests.Onnx;

public sealed class ModelLoaderTests
{
    private static ComputeException Refused(byte[] model, ComputeOptions? options = null) =>
        Assert.Throws<ComputeException>(() => ModelLoader.Load(model, options ?? new ComputeOptions()))!;

    [Test]
    public void Load_ValidModel_OrdersAndFolds()
    {
        var graph = ModelLoader.Load(TestModels.AddRelu().Bytes(), new ComputeOptions());

        Assert.That(graph.Nodes.Select(n => n.OpType), Is.EqualTo(new[] { "Add", "Relu" }));
        Assert.That(graph.Inputs.Single().Name, Is.EqualTo("x"));
    }

    [Test]
    public void Load_ModelOverMaxModelBytes_RefusedNamingLimit()
    {
        var ex = Refused(TestModels.AddRelu().Bytes(), new ComputeOptions { MaxModelBytes = 10 });

        Assert.That(ex.Reason, Is.EqualTo(ComputeErrorReason.LimitExceeded));
        Assert.That(ex.Message, Does.Contain("MaxModelBytes"));
    }

    [Test]
    public void Load_UnknownOperator_RefusedNamingOp()
    {
        var m = TestModels.AddRelu();
        m.Graph.Node[1].OpType = "FancyCustomOp";

        var ex = Refused(m.Bytes());

        Assert.That(ex.Reason, Is.EqualTo(ComputeErrorReason.UnsupportedOperator));
        Assert.That(ex.Message, Does.Contain("FancyCustomOp"));
    }

    [Test]
    public void Load_CustomDomain_RefusedNamingDomain()
    {
        var m = TestModels.AddRelu();
        m.Graph.Node[1].Domain = "com.example";

        var ex = Refused(m.Bytes());

        Assert.That(ex.Reason, Is.EqualTo(ComputeErrorReason.UnsupportedOperator));
        Assert.That(ex.Message, Does.Contain("com.example"));
    }

    [Test]
    public void Load_OpNotInAllowedOps_RefusedNamingOp()
    {
        var options = new ComputeOptions();
        options.AllowedOps.Add("Add");

        var ex = Refused(TestModels.AddRelu().Bytes(), options);

        Assert.That(ex.Reason, Is.EqualTo(ComputeErrorReason.UnsupportedOperator));
        Assert.That(ex.Message, Does.Contain("Relu").And.Contain("AllowedOps"));
    }

    [Test]
    public void Load_TooManyNodes_RefusedNamingLimit()
    {
        var ex = Refused(TestModels.AddRelu().Bytes(), new ComputeOptions { MaxNodes = 1 });

        Assert.That(ex.Reason, Is.EqualTo(ComputeErrorReason.LimitExceeded));
        Assert.That(ex.Message, Does.Contain("MaxNodes"));
    }

    [Test]
    public void Load_InitializerOverMaxTensorElements_RefusedNamingLimit()
    {
        var ex = Refused(TestModels.AddRelu().Bytes(), new ComputeOptions { MaxTensorElements = 1 });

        Assert.That(ex.Reason, Is.EqualTo(ComputeErrorReason.LimitExceeded));
        Assert.That(ex.Message, Does.Contain("MaxTensorElements").And.Contain("'b'"));
    }

    [Test]
    public void Load_InitializersOverMaxPlannedMemory_RefusedNamingLimit()
    {
        var ex = Refused(TestModels.AddRelu().Bytes(), new ComputeOptions { MaxPlannedMemoryBytes = 4 });

        Assert.That(ex.Reason, Is.EqualTo(ComputeErrorReason.LimitExceeded));
        Assert.That(ex.Message, Does.Contain("MaxPlannedMemoryBytes"));
    }

    [Test]
    public void Load_ExternalData_Refused()
    {
        var m = TestModels.AddRelu();
        var b = m.Graph.Initializer[0];
        b.FloatData.Clear();
        b.DataLocation = TensorProto.Types.DataLocation.External;
        b.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "/etc/passwd" });

        var ex = Refused(m.Bytes());

        Assert.That(ex.Message, Does.Contain("external"));
    }

    [Test]
    public void Load_NegativeDim_Refused()
    {
        var m = TestModels.AddRelu();
        m.Graph.Initializer[0].Dims[0] = -2;

        Assert.That(Refused(m.Bytes()).Message, Does.Contain("negative"));
    }

    [Test]
    public void Load_HugeDims_RefusedWithoutAllocating()
    {
        var m = TestModels.AddRelu();
        var b = m.Graph.Initializer[0];
        b.Dims.Clear();
        b.Dims.AddRange([int.MaxValue, int.MaxValue, int.MaxValue]);

        var ex = Refused(m.Bytes());

        Assert.That(ex.Reason, Is.EqualTo(ComputeErrorReason.LimitExceeded));
    }

    [Test]
    public void Load_RawDataOfWrongLength_Refused()
    {
        var m = TestModels.AddRelu();
        var b = m.Graph.Initializer[0];
        b.FloatData.Clear();
        b.RawData = ByteString.CopyFrom(new byte[7]);

        Assert.That(Refused(m.Bytes()).Message, Does.Contain("raw_data"));
    }

    [Test]
    public void Load_GraphCycle_Refused()
    {
        var m = TestModels.AddRelu();
        m.Graph.Node[0].Input[1] = "y"; // Add reads Relu's output, which reads Add's output

        var ex = Refused(m.Bytes());

        Assert.That(ex.Reason, Is.EqualTo(ComputeErrorReason.InvalidModel));
        Assert.That(ex.Message, Does.Contain("cycle"));
    }

    [Test]
    public void Load_UndefinedValue_RefusedNamingIt()
    {
        var m = TestModels.AddRelu();
        m.Graph.Node[1].Input[0] = "nowhere";

        Assert.That(Refused(m.Bytes()).Message, Does.Contain("nowhere"));
    }

    [Test]
    public void Load_DuplicateProducer_Refused()
    {
        var m = TestModels.AddRelu();
        m.Graph.Node[1].Output[0] = "s";

        Assert.That(Refused(m.Bytes()).Message, Does.Contain("more than one producer"));
    }

    [TestCase(0L)]
    [TestCase(2L)]
    [TestCase(99L)]
    public void Load_UnsupportedIrVersion_Refused(long ir)
    {
        var m = TestModels.AddRelu();
        m.IrVersion = ir;

        Assert.That(Refused(m.Bytes()).Message, Does.Contain("IR version"));
    }

    [Test]
    public void Load_UnsupportedOpset_Refused()
    {
        var m = TestModels.AddRelu();
        m.OpsetImport[0].Version = 1000;

        Assert.That(Refused(m.Bytes()).Message, Does.Contain("opset"));
    }

    [Test]
    public void Load_MalformedBytes_RefusedAsInvalidModel()
    {
        var ex = Refused([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]);

        Assert.That(ex.Reason, Is.EqualTo(ComputeErrorReason.InvalidModel));
    }

    [Test]
    public void Load_DeeplyNestedSubgraphs_RefusedByRecursionLimit()
    {
        var inner = new GraphProto { Name = "g" };
        for (var i = 0; i < 200; i++)
        {
            var node = new NodeProto { OpType = "If" };
            node.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = inner });
            inner = new GraphProto { Name = "g" + i };
            inner.Node.Add(node);
        }

        var ex = Refused(TestModels.Model(inner).Bytes());

        Assert.That(ex.Reason, Is.EqualTo(ComputeErrorReason.InvalidModel));
    }

    [Test]
    public void Load_SequenceTypedOutputProducedAsTensor_RefusedNamingKinds()
    {
        var m = TestModels.AddRelu();
        m.Graph.Output[0].Type = new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = m.Graph.Input[0].Type } };

        var ex = Refused(m.Bytes());

        Assert.That(ex.Reason, Is.EqualTo(ComputeErrorReason.InvalidModel));
        Assert.That(ex.Message, Does.Contain("graph output 'y' is declared a sequence but is produced as a tensor"));
    }

    [Test]
    public void Load_SequenceOfSequencesOutput_UnsupportedNamingType()
    {
        var m = TestModels.AddRelu();
        var inner = new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = m.Graph.Input[0].Type } };
        m.Graph.Output[0].Type = new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = inner } };

        var ex = Refused(m.Bytes());

        Assert.That(ex.Reason, Is.EqualTo(ComputeErrorReason.UnsupportedDataType));
        Assert.That(ex.Message, Does.Contain("is a sequence of SequenceType, only sequences of tensors are supported"));
    }

    [Test]
    public void Load_LightResnet50_FoldsConstantOfShapeWeights()
    {
        var graph = ModelLoader.Load(OnnxTestData.ModelBytes("light_resnet50"), new ComputeOptions());

        Assert.That(graph.FoldedNodes, Is.GreaterThan(100));
        Assert.That(graph.Nodes.Any(n => n.OpType == "ConstantOfShape"), Is.False);
        Assert.That(graph.Nodes.Count(n => n.OpType == "Conv"), Is.EqualTo(53));
    }

    [Test]
    public void CpuKernels_OpTypes_CoverIssueOperatorSet()
    {
        string[] required =
        [
            "MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Relu", "Sigmoid", "Tanh", "Gelu", "Erf", "Softmax", "LogSoftmax",
            "LayerNormalization", "BatchNormalization", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten",
            "Reshape", "Transpose", "Concat", "Gather", "Slice", "Squeeze", "Unsqueeze", "ReduceMean", "ReduceSum", "Sqrt",
            "Pow", "Exp", "Where", "Cast", "Identity", "Dropout", "Shape", "Expand", "Clip", "Constant", "ConstantOfShape", "Sum",
        ];

        Assert.That(CpuKernels.OpTypes, Is.SupersetOf(required));
    }

    [Test]
    public void TensorShape_OverflowingDims_LimitExceeded()
    {
        var ex = Assert.Throws<ComputeException>(() => _ = new TensorShape(int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue));

        Assert.That(ex!.Reason, Is.EqualTo(ComputeErrorReason.LimitExceeded));
    }
}
