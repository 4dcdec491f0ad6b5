using System.Runtime.InteropServices;

namespace PhalaWorker.Compute.Graph;

/// <summary>
/// A dense row-major tensor: <see cref="DataType"/> + <see cref="TensorShape"/> + a host array (storage).
/// The host array may be longer than <see cref="Length"/> (buffers are reused by liveness); always go through
/// <see cref="AsSpan{T}"/> / <see cref="AsReadOnlySpan{T}"/>, which slice it to the tensor's length.
/// An accelerator backend may keep the data on its device and attach an <see cref="ITensorDeviceData"/>; the host view
/// is then synchronized lazily on first host access, so CPU fallback kernels always see correct data.
/// A value may instead be an ONNX <em>sequence</em> of tensors (<see cref="IsSequence"/>): then <see cref="DataType"/> is the
/// element type, <see cref="Shape"/> is <c>[count]</c> and <see cref="SequenceElements"/> holds the (shared, immutable) elements;
/// the load-time type check guarantees that only sequence operators and Identity ever see one.
/// </summary>
public sealed class Tensor
{
    private readonly Array _storage;
    private readonly Tensor[]? _elements;
    private ITensorDeviceData? _device;
    private bool _hostStale;

    /// <summary>Wraps <paramref name="storage"/> (an array of the CLR type of <paramref name="type"/>, at least as long as the shape).</summary>
    public Tensor(DataType type, TensorShape shape, Array storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        if (DataTypes.ClrType(type) is not { } clr || storage.GetType().GetElementType() != clr)
        {
            throw new ArgumentException($"storage {storage.GetType()} does not hold {type}", nameof(storage));
        }

        if (storage.Length < shape.ElementCount)
        {
            throw new ArgumentException($"storage of {storage.Length} elements is shorter than shape {shape}", nameof(storage));
        }

        DataType = type;
        Shape = shape;
        _storage = storage;
    }

    private Tensor(DataType elementType, Tensor[] elements)
    {
        DataType = elementType;
        Shape = new TensorShape(elements.Length);
        _elements = elements;
        _storage = elements; // a unique array per sequence: the allocator's liveness key for it
    }

    /// <summary>
    /// A sequence value of <paramref name="elementType"/> tensors (the elements are referenced, not copied). Every element must
    /// be a tensor (not a sequence) of <paramref name="elementType"/>.
    /// </summary>
    public static Tensor Sequence(DataType elementType, IEnumerable<Tensor> elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        if (!DataTypes.IsSupported(elementType))
        {
            throw new ComputeException(ComputeErrorReason.UnsupportedDataType, $"sequence element type {elementType} is not supported");
        }

        var array = elements.ToArray();
        foreach (var e in array)
        {
            ArgumentNullException.ThrowIfNull(e, nameof(elements));
            if (e.IsSequence || e.DataType != elementType)
            {
                throw new ArgumentException($"sequence of {elementType} cannot hold {(e.IsSequence ? "a sequence" : e.DataType.ToString())}", nameof(elements));
            }
        }

        return new Tensor(elementType, array);
    }

    /// <summary>Whether this value is an ONNX sequence of tensors rather than a tensor.</summary>
    public bool IsSequence => _elements is not null;

    /// <summary>The elements of a sequence value; an error naming the misuse for a tensor.</summary>
    public IReadOnlyList<Tensor> SequenceElements => _elements
        ?? throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"a {DataType}{Shape} tensor is not a sequence");

    /// <summary>A new zero-filled tensor.</summary>
    public static Tensor Zeros(DataType type, TensorShape shape) => new(type, shape, DataTypes.NewArray(type, shape.Length));

    /// <summary>Wraps <paramref name="data"/> (not copied).</summary>
    public static Tensor FromArray<T>(T[] data, params ReadOnlySpan<int> dims)
        where T : unmanaged => new(DataTypes.Of<T>(), new TensorShape(dims), data);

    /// <summary>A rank-0 tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar<T>(T value)
        where T : unmanaged => new(DataTypes.Of<T>(), TensorShape.Scalar, new[] { value });

    public DataType DataType { get; }

    public TensorShape Shape { get; }

    /// <summary>Number of elements.</summary>
    public int Length => (int)Shape.ElementCount;

    /// <summary>Size of the data in bytes (for a sequence: of all its elements).</summary>
    public long ByteLength => _elements is null ? Shape.ElementCount * DataTypes.SizeOf(DataType) : _elements.Sum(e => e.ByteLength);

    /// <summary>The backing array (possibly longer than <see cref="Length"/>); host data is synchronized first.</summary>
    public Array Storage
    {
        get
        {
            EnsureHost();
            return _storage;
        }
    }

    /// <summary>The device copy attached by an accelerator backend, if any.</summary>
    public ITensorDeviceData? DeviceData => _device;

    /// <summary>Whether the host array is out of date (the device copy holds the value).</summary>
    public bool IsHostStale => _hostStale;

    /// <summary>Mutable typed view of the elements. <typeparamref name="T"/> must match <see cref="DataType"/>.</summary>
    public Span<T> AsSpan<T>()
        where T : unmanaged
    {
        EnsureHost();
        return new Span<T>((T[])_storage, 0, Length);
    }

    /// <summary>Read-only typed view of the elements.</summary>
    public ReadOnlySpan<T> AsReadOnlySpan<T>()
        where T : unmanaged => AsSpan<T>();

    /// <summary>The raw little-endian bytes of the elements.</summary>
    public Span<byte> AsBytes() => DataType switch
    {
        DataType.Float => MemoryMarshal.AsBytes(AsSpan<float>()),
        DataType.Double => MemoryMarshal.AsBytes(AsSpan<double>()),
        DataType.Float16 => MemoryMarshal.AsBytes(AsSpan<Half>()),
        DataType.Int64 => MemoryMarshal.AsBytes(AsSpan<long>()),
        DataType.Int32 => MemoryMarshal.AsBytes(AsSpan<int>()),
        DataType.Int16 => MemoryMarshal.AsBytes(AsSpan<short>()),
        DataType.Int8 => MemoryMarshal.AsBytes(AsSpan<sbyte>()),
        DataType.UInt8 => AsSpan<byte>(),
        DataType.UInt16 => MemoryMarshal.AsBytes(AsSpan<ushort>()),
        DataType.UInt32 => MemoryMarshal.AsBytes(AsSpan<uint>()),
        DataType.UInt64 => MemoryMarshal.AsBytes(AsSpan<ulong>()),
        DataType.Bool => MemoryMarshal.AsBytes(AsSpan<bool>()),
        DataType.BFloat16 => MemoryMarshal.AsBytes(AsSpan<BFloat16>()),
        _ => throw new ComputeException(ComputeErrorReason.UnsupportedDataType, $"data type {DataType} is not supported"),
    };

    /// <summary>A view with another shape over the same storage (same element count). Used by Reshape/Flatten/Squeeze.</summary>
    public Tensor Reshape(TensorShape shape)
    {
        if (shape.ElementCount != Shape.ElementCount)
        {
            throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"cannot reshape {Shape} to {shape}");
        }

        EnsureHost();
        return new Tensor(DataType, shape, _storage);
    }

    /// <summary>
    /// Attaches a device copy. With <paramref name="hostIsStale"/> = true the device holds the only valid value
    /// (the kernel wrote it on the device) and the host array is filled on first host access.
    /// </summary>
    public void AttachDeviceData(ITensorDeviceData data, bool hostIsStale)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!ReferenceEquals(_device, data))
        {
            _device?.Dispose();
        }

        _device = data;
        _hostStale = hostIsStale;
    }

    /// <summary>Drops (and disposes) the device copy after making the host array current.</summary>
    public void ReleaseDeviceData()
    {
        EnsureHost();
        _device?.Dispose();
        _device = null;
    }

    /// <summary>
    /// Drops (and disposes) the device copy without bringing it to the host: for a value no node will read again, whose
    /// storage goes back to the allocator (which clears it before handing it out).
    /// </summary>
    internal void DiscardDeviceData()
    {
        _device?.Dispose();
        _device = null;
        _hostStale = false;
    }

    internal Array RawStorage => _storage;

    private void EnsureHost()
    {
        if (_hostStale)
        {
            _hostStale = false;
            _device!.CopyToHost(this);
        }
    }

    public override string ToString() => _elements is null ? $"{DataType}{Shape}" : $"sequence<{DataType}>[{_elements.Length}]";
}
