namespace PhalaWorker.Compute.Graph;

/// <summary>Facts about <see cref="DataType"/>: which are supported, their CLR element type and size.</summary>
public static class DataTypes
{
    /// <summary>Whether tensors of this type can be held and computed (the others are refused by name).</summary>
    public static bool IsSupported(DataType type) => ClrType(type) is not null;

    /// <summary>The CLR element type backing a tensor of <paramref name="type"/>, or null when unsupported.</summary>
    public static Type? ClrType(DataType type) => type switch
    {
        DataType.Float => typeof(float),
        DataType.Double => typeof(double),
        DataType.Float16 => typeof(Half),
        DataType.Int64 => typeof(long),
        DataType.Int32 => typeof(int),
        DataType.Int16 => typeof(short),
        DataType.Int8 => typeof(sbyte),
        DataType.UInt8 => typeof(byte),
        DataType.UInt16 => typeof(ushort),
        DataType.UInt32 => typeof(uint),
        DataType.UInt64 => typeof(ulong),
        DataType.Bool => typeof(bool),
        DataType.BFloat16 => typeof(BFloat16),
        _ => null,
    };

    /// <summary>Bytes per element (0 when unsupported).</summary>
    public static int SizeOf(DataType type) => type switch
    {
        DataType.Float or DataType.Int32 or DataType.UInt32 => 4,
        DataType.Double or DataType.Int64 or DataType.UInt64 => 8,
        DataType.Float16 or DataType.Int16 or DataType.UInt16 or DataType.BFloat16 => 2,
        DataType.Int8 or DataType.UInt8 or DataType.Bool => 1,
        _ => 0,
    };

    public static bool IsFloatingPoint(DataType type) => type is DataType.Float or DataType.Double or DataType.Float16;

    public static bool IsSignedInteger(DataType type) => type is DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64;

    public static bool IsUnsignedInteger(DataType type) => type is DataType.UInt8 or DataType.UInt16 or DataType.UInt32 or DataType.UInt64;

    /// <summary>The <see cref="DataType"/> of a CLR element type.</summary>
    public static DataType Of<T>()
    {
        if (typeof(T) == typeof(float)) return DataType.Float;
        if (typeof(T) == typeof(double)) return DataType.Double;
        if (typeof(T) == typeof(Half)) return DataType.Float16;
        if (typeof(T) == typeof(long)) return DataType.Int64;
        if (typeof(T) == typeof(int)) return DataType.Int32;
        if (typeof(T) == typeof(short)) return DataType.Int16;
        if (typeof(T) == typeof(sbyte)) return DataType.Int8;
        if (typeof(T) == typeof(byte)) return DataType.UInt8;
        if (typeof(T) == typeof(ushort)) return DataType.UInt16;
        if (typeof(T) == typeof(uint)) return DataType.UInt32;
        if (typeof(T) == typeof(ulong)) return DataType.UInt64;
        if (typeof(T) == typeof(bool)) return DataType.Bool;
        if (typeof(T) == typeof(BFloat16)) return DataType.BFloat16;
        throw new NotSupportedException($"no tensor element type for {typeof(T)}");
    }

    /// <summary>A new zeroed array of <paramref name="length"/> elements of <paramref name="type"/>.</summary>
    public static Array NewArray(DataType type, int length) => type switch
    {
        DataType.Float => new float[length],
        DataType.Double => new double[length],
        DataType.Float16 => new Half[length],
        DataType.Int64 => new long[length],
        DataType.Int32 => new int[length],
        DataType.Int16 => new short[length],
        DataType.Int8 => new sbyte[length],
        DataType.UInt8 => new byte[length],
        DataType.UInt16 => new ushort[length],
        DataType.UInt32 => new uint[length],
        DataType.UInt64 => new ulong[length],
        DataType.Bool => new bool[length],
        DataType.BFloat16 => new BFloat16[length],
        _ => throw new ComputeException(ComputeErrorReason.UnsupportedDataType, $"data type {type} is not supported"),
    };
}
