using System.Numerics;
using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Internal;

/// <summary>A computation generic over a numeric element type (float, double, Half and every integer type).</summary>
internal interface INumericAction
{
    void Invoke<T>()
        where T : unmanaged, INumber<T>;
}

/// <summary>A computation generic over a floating-point element type (float, double, Half).</summary>
internal interface IFloatAction
{
    void Invoke<T>()
        where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>A computation over any element type, by element size (data movement: transpose, gather, concat ...).</summary>
internal interface IRawAction
{
    void Invoke<T>()
        where T : unmanaged;
}

/// <summary>Maps a runtime <see cref="DataType"/> onto a generic instantiation.</summary>
internal static class TypeDispatch
{
    public static void Numeric<TAction>(DataType type, string op, ref TAction action)
        where TAction : struct, INumericAction
    {
        switch (type)
        {
            case DataType.Float: action.Invoke<float>(); break;
            case DataType.Double: action.Invoke<double>(); break;
            case DataType.Float16: action.Invoke<Half>(); break;
            case DataType.Int64: action.Invoke<long>(); break;
            case DataType.Int32: action.Invoke<int>(); break;
            case DataType.Int16: action.Invoke<short>(); break;
            case DataType.Int8: action.Invoke<sbyte>(); break;
            case DataType.UInt8: action.Invoke<byte>(); break;
            case DataType.UInt16: action.Invoke<ushort>(); break;
            case DataType.UInt32: action.Invoke<uint>(); break;
            case DataType.UInt64: action.Invoke<ulong>(); break;
            default: throw Unsupported(op, type);
        }
    }

    public static void Float<TAction>(DataType type, string op, ref TAction action)
        where TAction : struct, IFloatAction
    {
        switch (type)
        {
            case DataType.Float: action.Invoke<float>(); break;
            case DataType.Double: action.Invoke<double>(); break;
            case DataType.Float16: action.Invoke<Half>(); break;
            default: throw Unsupported(op, type);
        }
    }

    /// <summary>Dispatches on element size: 1 → byte, 2 → ushort, 4 → uint, 8 → ulong (bit-exact copies of any type).</summary>
    public static void Raw<TAction>(DataType type, string op, ref TAction action)
        where TAction : struct, IRawAction
    {
        switch (DataTypes.SizeOf(type))
        {
            case 1: action.Invoke<byte>(); break;
            case 2: action.Invoke<ushort>(); break;
            case 4: action.Invoke<uint>(); break;
            case 8: action.Invoke<ulong>(); break;
            default: throw Unsupported(op, type);
        }
    }

    public static ComputeException Unsupported(string op, DataType type) =>
        new(ComputeErrorReason.UnsupportedDataType, $"{op}: data type {type} is not supported");
}

/// <summary>Typed views over a tensor's storage reinterpreted by element size.</summary>
internal static class RawSpan
{
    public static Span<T> Of<T>(Tensor tensor)
        where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(tensor.AsBytes());
}
