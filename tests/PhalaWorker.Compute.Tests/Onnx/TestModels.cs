using Google.Protobuf;
using Onnx;

namespace PhalaWorker.Compute.Tests.Onnx;

/// <summary>Builds small ONNX models in code for loader and engine tests.</summary>
internal static class TestModels
{
    public static ValueInfoProto FloatInput(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    public static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = op.ToLowerInvariant() };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attributes);
        return n;
    }

    public static TensorProto FloatTensor(string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        return t;
    }

    /// <summary>y = Relu(x + b) on float[2], opset 13.</summary>
    public static ModelProto AddRelu()
    {
        var g = new GraphProto { Name = "add_relu" };
        g.Input.Add(FloatInput("x", 2));
        g.Output.Add(FloatInput("y", 2));
        g.Initializer.Add(FloatTensor("b", [1f, -5f], 2));
        g.Node.Add(Node("Add", ["x", "b"], ["s"]));
        g.Node.Add(Node("Relu", ["s"], ["y"]));
        return Model(g);
    }

    public static ModelProto Model(GraphProto graph, long opset = 13, long irVersion = 8)
    {
        var m = new ModelProto { IrVersion = irVersion, Graph = graph, ProducerName = "tests" };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opset });
        return m;
    }

    public static byte[] Bytes(this IMessage message) => message.ToByteArray();
}
