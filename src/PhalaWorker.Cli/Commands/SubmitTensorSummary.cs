using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;

namespace PhalaWorker.Cli.Commands;

/// <summary>Describes an onnx.TensorProto (name, shape, dtype, a summary of the values) without running anything.</summary>
internal static class SubmitTensorSummary
{
    private const int MaxShown = 10;

    public static string Describe(string name, ReadOnlySpan<byte> tensorProto)
    {
        var tensor = Decode(tensorProto);
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"{name}: {DataTypeName(tensor.DataType)}[{string.Join('x', tensor.Dims)}]");
        if (tensor.Values.Count > 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $" min {tensor.Values.Min():G6} max {tensor.Values.Max():G6} mean {tensor.Values.Average():G6}");
            builder.Append(" values [");
            builder.Append(string.Join(", ", tensor.Values.Take(MaxShown).Select(v => v.ToString("G6", CultureInfo.InvariantCulture))));
            builder.Append(tensor.Values.Count > MaxShown ? $", … ({tensor.Values.Count} total)]" : "]");
        }

        return builder.ToString();
    }

    public static void WriteJson(Utf8JsonWriter writer, string name, ReadOnlySpan<byte> tensorProto)
    {
        var tensor = Decode(tensorProto);
        writer.WriteStartObject();
        writer.WriteString("name", name);
        writer.WriteString("dtype", DataTypeName(tensor.DataType));
        writer.WritePropertyName("shape");
        writer.WriteStartArray();
        foreach (var dim in tensor.Dims)
        {
            writer.WriteNumberValue(dim);
        }

        writer.WriteEndArray();
        writer.WritePropertyName("values");
        writer.WriteStartArray();
        foreach (var value in tensor.Values)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    internal sealed record DecodedTensor(List<long> Dims, int DataType, List<double> Values);

    /// <summary>Reads dims (1), data_type (2), float_data (4), int32_data (5), int64_data (7), raw_data (9), double_data (10).</summary>
    internal static DecodedTensor Decode(ReadOnlySpan<byte> tensorProto)
    {
        var dims = new List<long>();
        var values = new List<double>();
        var dataType = 0;
        byte[]? raw = null;
        var input = new CodedInputStream(tensorProto.ToArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = WireFormat.GetTagFieldNumber(tag);
            var packed = WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;
            switch (field)
            {
                case 1: ReadRepeated(input, packed, () => dims.Add(input.ReadInt64())); break;
                case 2: dataType = input.ReadInt32(); break;
                case 4: ReadRepeated(input, packed, () => values.Add(input.ReadFloat())); break;
                case 5: ReadRepeated(input, packed, () => values.Add(input.ReadInt32())); break;
                case 7: ReadRepeated(input, packed, () => values.Add(input.ReadInt64())); break;
                case 9: raw = input.ReadBytes().ToByteArray(); break;
                case 10: ReadRepeated(input, packed, () => values.Add(input.ReadDouble())); break;
                default: input.SkipLastField(); break;
            }
        }

        if (raw is not null)
        {
            values.AddRange(FromRaw(raw, dataType));
        }

        return new DecodedTensor(dims, dataType, values);
    }

    private static void ReadRepeated(CodedInputStream input, bool packed, Action readOne)
    {
        if (!packed)
        {
            readOne();
            return;
        }

        var length = input.ReadLength();
        var end = input.Position + length;
        while (input.Position < end)
        {
            readOne();
        }
    }

    private static IEnumerable<double> FromRaw(byte[] raw, int dataType) => dataType switch
    {
        1 => Enumerable.Range(0, raw.Length / 4).Select(i => (double)BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(i * 4))),
        11 => Enumerable.Range(0, raw.Length / 8).Select(i => BinaryPrimitives.ReadDoubleLittleEndian(raw.AsSpan(i * 8))),
        6 => Enumerable.Range(0, raw.Length / 4).Select(i => (double)BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(i * 4))),
        7 => Enumerable.Range(0, raw.Length / 8).Select(i => (double)BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(i * 8))),
        2 or 9 => raw.Select(b => (double)b),
        3 => raw.Select(b => (double)(sbyte)b),
        _ => [],
    };

    private static string DataTypeName(int dataType) => dataType switch
    {
        1 => "float32",
        2 => "uint8",
        3 => "int8",
        5 => "int16",
        6 => "int32",
        7 => "int64",
        9 => "bool",
        10 => "float16",
        11 => "float64",
        _ => "dtype" + dataType.ToString(CultureInfo.InvariantCulture),
    };
}
