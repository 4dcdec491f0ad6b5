using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Backends;

/// <summary>What a kernel sees while executing one node: its inputs, an allocator for outputs, and job settings.</summary>
public sealed class KernelContext
{
    private readonly Tensor?[] _inputs;
    private readonly Tensor?[] _outputs;
    private readonly TensorAllocator _allocator;

    private readonly bool[]? _constantInputs;
    private readonly bool[]? _usedOutputs;

    internal KernelContext(OperatorNode node, Tensor?[] inputs, TensorAllocator allocator, int maxDegreeOfParallelism, CancellationToken cancellationToken,
        bool[]? constantInputs = null, bool[]? usedOutputs = null)
    {
        _constantInputs = constantInputs;
        _usedOutputs = usedOutputs;
        Node = node;
        _inputs = inputs;
        _outputs = new Tensor?[node.Outputs.Count];
        _allocator = allocator;
        MaxDegreeOfParallelism = maxDegreeOfParallelism;
        CancellationToken = cancellationToken;
    }

    public OperatorNode Node { get; }

    /// <summary>The node's attributes (shortcut for <c>Node.Attributes</c>).</summary>
    public NodeAttributes Attributes => Node.Attributes;

    /// <summary>Threads a kernel may use (≥ 1).</summary>
    public int MaxDegreeOfParallelism { get; private set; }

    public CancellationToken CancellationToken { get; private set; }

    public int InputCount => _inputs.Length;

    /// <summary>Whether input <paramref name="index"/> is a model constant (same tensor every job), so derived data such as packed weights may be cached on it.</summary>
    public bool IsConstantInput(int index) => _constantInputs is not null && index < _constantInputs.Length && _constantInputs[index];

    public int OutputCount => _outputs.Length;

    /// <summary>Input <paramref name="index"/>, or null when it is absent (optional input omitted or index past the end).</summary>
    public Tensor? OptionalInput(int index) => index < _inputs.Length ? _inputs[index] : null;

    /// <summary>Input <paramref name="index"/>; an error naming the node when it is absent.</summary>
    public Tensor Input(int index) => OptionalInput(index)
        ?? throw new ComputeException(ComputeErrorReason.InvalidModel, $"{Node.Display}: required input {index} is missing");

    /// <summary>Whether output <paramref name="index"/> is named and read by a later node or the graph output (kernels may skip the others).</summary>
    public bool IsOutputRequested(int index) => index < _outputs.Length && Node.Outputs[index].Length > 0 && (_usedOutputs is null || _usedOutputs[index]);

    /// <summary>Allocates output <paramref name="index"/> (zero-filled; checked against the element and memory limits).</summary>
    public Tensor AllocateOutput(int index, DataType type, TensorShape shape)
    {
        var t = _allocator.Allocate(type, shape, Node);
        SetOutput(index, t);
        return t;
    }

    /// <summary>
    /// Allocates output <paramref name="index"/> without zero-filling it, for kernels that write every element: the
    /// contents are zeros or this job's own earlier values (never another job's, whose buffers are zeroed when it ends).
    /// </summary>
    public Tensor AllocateOutputUninitialized(int index, DataType type, TensorShape shape)
    {
        var t = _allocator.Allocate(type, shape, Node, clear: false);
        SetOutput(index, t);
        return t;
    }

    /// <summary>
    /// Allocates a tensor (contents undefined; the kernel writes every element) that becomes an element of the sequence the
    /// kernel sets as its output: the sequence holds its reference (checked against the element and memory limits).
    /// </summary>
    internal Tensor AllocateSequenceElement(DataType type, TensorShape shape) => _allocator.Allocate(type, shape, Node, clear: false);

    /// <summary>Allocates a scratch tensor that is not an output (contents undefined; returned to the pool after the node).</summary>
    public Tensor AllocateTemporary(DataType type, TensorShape shape) => _allocator.AllocateTemporary(type, shape, Node);

    /// <summary>Sets output <paramref name="index"/> to an existing tensor (an input passed through or a reshaped view).</summary>
    public void SetOutput(int index, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (index >= _outputs.Length)
        {
            return; // optional output not declared by the node
        }

        _outputs[index] = tensor;
        _allocator.Retain(tensor);
    }

    /// <summary>Makes a context kept in a run state ready for the node's next execution (inputs are refilled by the engine).</summary>
    internal void Reset(int maxDegreeOfParallelism, CancellationToken cancellationToken)
    {
        Array.Clear(_outputs);
        MaxDegreeOfParallelism = maxDegreeOfParallelism;
        CancellationToken = cancellationToken;
    }

    /// <summary>Drops the references to this run's tensors (the state is pooled between jobs).</summary>
    internal void Clear()
    {
        Array.Clear(_inputs);
        Array.Clear(_outputs);
    }

    internal Tensor? GetOutput(int index) => _outputs[index];

    internal Tensor GetOutputTensor(int index) => _outputs[index]
        ?? throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{Node.Display}: output {index} was not produced");
}
