using System.Runtime.InteropServices;
using Google.Protobuf;
using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Onnx;

/// <summary>Converts between ONNX <c>TensorProto</c> and <see cref="Tensor"/>, validating dims, sizes and data layout.</summary>
public static class TensorProtoConverter
{
    /// <summary>Parses one serialized TensorProto (a <c>.pb</c> file) with protobuf size and recursion limits.</summary>
    public static global::Onnx.TensorProto Parse(ReadOnlySpan<byte> bytes, string what)
    {
        try
        {
            using var input = new CodedInputStream(bytes.ToArray());
            var proto = new global::Onnx.TensorProto();
            proto.MergeFrom(input);
            return proto;
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ComputeException(ComputeErrorReason.InvalidInput, $"{what}: malformed TensorProto ({ex.Message})", ex);
        }
    }

    /// <summary>Decodes <paramref name="proto"/>; errors name <paramref name="what"/> and use <paramref name="reason"/>.</summary>
    public static Tensor ToTensor(global::Onnx.TensorProto proto, long maxElements, string what, ComputeErrorReason reason = ComputeErrorReason.InvalidInput)
    {
        ArgumentNullException.ThrowIfNull(proto);
        if (proto.DataLocation == global::Onnx.TensorProto.Types.DataLocation.External || proto.ExternalData.Count > 0)
        {
            throw new ComputeException(reason, $"{what}: external tensor data is not accepted");
        }

        if (proto.Segment is not null)
        {
            throw new ComputeException(reason, $"{what}: segmented tensors are not supported");
        }

        var type = (DataType)proto.DataType;
        if (!DataTypes.IsSupported(type))
        {
            throw new ComputeException(ComputeErrorReason.UnsupportedDataType,
                $"{what}: data type {(Enum.IsDefined(type) ? type.ToString() : proto.DataType.ToString(System.Globalization.CultureInfo.InvariantCulture))} is not supported");
        }

        var dims = new int[proto.Dims.Count];
        long count = 1;
        for (var i = 0; i < dims.Length; i++)
        {
            var d = proto.Dims[i];
            if (d < 0)
            {
                throw new ComputeException(reason, $"{what}: negative dimension {d}");
            }

            if (d > maxElements)
            {
                throw new ComputeException(ComputeErrorReason.LimitExceeded, $"{what}: dimension {d} exceeds MaxTensorElements {maxElements}");
            }

            dims[i] = (int)d;
            count *= d; // each factor ≤ maxElements and the running product is checked below, so this cannot overflow long
            if (count > maxElements)
            {
                throw new ComputeException(ComputeErrorReason.LimitExceeded, $"{what}: {count}+ elements exceed MaxTensorElements {maxElements}");
            }
        }

        var shape = new TensorShape(dims);
        var n = (int)count;
        var size = DataTypes.SizeOf(type);
        var tensor = Tensor.Zeros(type, shape);
        if (!proto.RawData.IsEmpty)
        {
            if (proto.RawData.Length != (long)n * size)
            {
                throw new ComputeException(reason, $"{what}: raw_data has {proto.RawData.Length} bytes, {type}{shape} needs {(long)n * size}");
            }

            proto.RawData.Span.CopyTo(tensor.AsBytes());
            if (type == DataType.Bool)
            {
                NormalizeBools(tensor.AsSpan<bool>());
            }

            return tensor;
        }

        switch (type)
        {
            case DataType.Float:
                CheckCount(proto.FloatData.Count, n, what, reason);
                CopyTo(proto.FloatData, tensor.AsSpan<float>());
                break;
            case DataType.Double:
                CheckCount(proto.DoubleData.Count, n, what, reason);
                CopyTo(proto.DoubleData, tensor.AsSpan<double>());
                break;
            case DataType.Int64:
                CheckCount(proto.Int64Data.Count, n, what, reason);
                CopyTo(proto.Int64Data, tensor.AsSpan<long>());
                break;
            case DataType.UInt32:
            case DataType.UInt64:
                CheckCount(proto.Uint64Data.Count, n, what, reason);
                for (var i = 0; i < n; i++)
                {
                    var v = proto.Uint64Data[i];
                    if (type == DataType.UInt32)
                    {
                        tensor.AsSpan<uint>()[i] = (uint)v;
                    }
                    else
                    {
                        tensor.AsSpan<ulong>()[i] = v;
                    }
                }

                break;
            default:
                // int32_data carries int32, int16, int8, uint8, uint16, bool and float16 bit patterns.
                CheckCount(proto.Int32Data.Count, n, what, reason);
                for (var i = 0; i < n; i++)
                {
                    var v = proto.Int32Data[i];
                    switch (type)
                    {
                        case DataType.Int32: tensor.AsSpan<int>()[i] = v; break;
                        case DataType.Int16: tensor.AsSpan<short>()[i] = (short)v; break;
                        case DataType.Int8: tensor.AsSpan<sbyte>()[i] = (sbyte)v; break;
                        case DataType.UInt8: tensor.AsSpan<byte>()[i] = (byte)v; break;
                        case DataType.UInt16: tensor.AsSpan<ushort>()[i] = (ushort)v; break;
                        case DataType.Bool: tensor.AsSpan<bool>()[i] = v != 0; break;
                        case DataType.Float16: tensor.AsSpan<Half>()[i] = BitConverter.UInt16BitsToHalf((ushort)v); break;
                        case DataType.BFloat16: tensor.AsSpan<BFloat16>()[i] = new BFloat16((ushort)v); break;
                        default: throw new ComputeException(ComputeErrorReason.UnsupportedDataType, $"{what}: data type {type} is not supported");
                    }
                }

                break;
        }

        return tensor;
    }

    /// <summary>Encodes <paramref name="tensor"/> as a TensorProto with raw_data (little-endian).</summary>
    public static global::Onnx.TensorProto ToProto(Tensor tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var proto = new global::Onnx.TensorProto { Name = name ?? string.Empty, DataType = (int)tensor.DataType };
        foreach (var d in tensor.Shape.Dims)
        {
            proto.Dims.Add(d);
        }

        proto.RawData = ByteString.CopyFrom(tensor.AsBytes());
        return proto;
    }

    /// <summary>Serializes <paramref name="tensor"/> as TensorProto bytes.</summary>
    public static byte[] Serialize(Tensor tensor, string name) => ToProto(tensor, name).ToByteArray();

    /// <summary>Parses and decodes a serialized TensorProto.</summary>
    public static Tensor Deserialize(ReadOnlySpan<byte> bytes, long maxElements, string what) => ToTensor(Parse(bytes, what), maxElements, what);

    private static void NormalizeBools(Span<bool> values)
    {
        var bytes = MemoryMarshal.AsBytes(values);
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = bytes[i] != 0 ? (byte)1 : (byte)0;
        }
    }

    private static void CheckCount(int have, int need, string what, ComputeErrorReason reason)
    {
        if (have != need)
        {
            throw new ComputeException(reason, $"{what}: has {have} typed values, shape needs {need}");
        }
    }

    private static void CopyTo<T>(Google.Protobuf.Collections.RepeatedField<T> field, Span<T> target)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] = field[i];
        }
    }
}
