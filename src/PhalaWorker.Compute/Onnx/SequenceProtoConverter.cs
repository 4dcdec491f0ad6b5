using Google.Protobuf;
using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Onnx;

/// <summary>
/// Reads and writes ONNX <c>SequenceProto</c> (onnx-data.proto: <c>name</c> = 1, <c>elem_type</c> = 2,
/// <c>tensor_values</c> = 3) for sequence-typed graph inputs and outputs. Only sequences of tensors are accepted
/// (<c>elem_type</c> TENSOR = 1, or UNDEFINED for an empty sequence); sparse, nested, map and optional values (fields 4–7)
/// are refused naming the field. The message is decoded by hand because this repo compiles only <c>onnx.proto3</c>.
/// </summary>
public static class SequenceProtoConverter
{
    private const int ElemTypeTensor = 1;

    /// <summary>
    /// Decodes a serialized SequenceProto into a sequence value. Every element counts against <paramref name="maxElements"/>
    /// (their sum too); an empty sequence takes <paramref name="declaredElementType"/>.
    /// </summary>
    public static Tensor Deserialize(ReadOnlySpan<byte> bytes, long maxElements, DataType declaredElementType, string what)
    {
        var elements = new List<Tensor>();
        var elemType = 0;
        long total = 0;
        try
        {
            var input = new CodedInputStream(bytes.ToArray());
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                        input.ReadString();
                        break;
                    case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint:
                        elemType = input.ReadInt32();
                        break;
                    case 3 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                        {
                            var proto = new global::Onnx.TensorProto();
                            input.ReadMessage(proto);
                            var t = TensorProtoConverter.ToTensor(proto, maxElements, $"{what} element {elements.Count}");
                            total += t.Shape.ElementCount;
                            if (total > maxElements)
                            {
                                throw new ComputeException(ComputeErrorReason.LimitExceeded,
                                    $"{what}: the sequence's elements hold over MaxTensorElements {maxElements} elements together");
                            }

                            elements.Add(t);
                            break;
                        }

                    case 4 or 5 or 6 or 7:
                        throw new ComputeException(ComputeErrorReason.UnsupportedDataType,
                            $"{what}: SequenceProto field {WireFormat.GetTagFieldNumber(tag)} (sparse, sequence, map or optional values) is not supported, only tensor_values");
                    default:
                        input.SkipLastField();
                        break;
                }
            }
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ComputeException(ComputeErrorReason.InvalidInput, $"{what}: malformed SequenceProto ({ex.Message})", ex);
        }

        if (elemType != ElemTypeTensor && !(elemType == 0 && elements.Count == 0))
        {
            throw new ComputeException(ComputeErrorReason.UnsupportedDataType,
                $"{what}: SequenceProto elem_type {elemType} is not supported, only sequences of tensors (1)");
        }

        foreach (var (e, i) in elements.Select((e, i) => (e, i)))
        {
            if (e.DataType != declaredElementType)
            {
                throw new ComputeException(ComputeErrorReason.InvalidInput,
                    $"{what}: element {i} is {e.DataType}, the graph expects a sequence of {declaredElementType}");
            }
        }

        return Tensor.Sequence(declaredElementType, elements);
    }

    /// <summary>Encodes a sequence value as SequenceProto bytes (elements as raw_data TensorProtos).</summary>
    public static byte[] Serialize(Tensor sequence, string name)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        if (!string.IsNullOrEmpty(name))
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteString(name);
        }

        output.WriteTag(2, WireFormat.WireType.Varint);
        output.WriteInt32(ElemTypeTensor);
        foreach (var e in sequence.SequenceElements)
        {
            output.WriteTag(3, WireFormat.WireType.LengthDelimited);
            output.WriteMessage(TensorProtoConverter.ToProto(e, string.Empty));
        }

        output.Flush();
        return buffer.ToArray();
    }
}
