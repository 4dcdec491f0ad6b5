using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;
using PhalaWorker.Compute.Onnx;

namespace PhalaWorker.Compute;

/// <summary>
/// Runs ONNX models on one backend. <see cref="Load"/> validates and plans a model (limits, ops, cycles, constant
/// folding) before anything runs; <see cref="Run(ComputeModel, IReadOnlyList{ValueTuple{string, ReadOnlyMemory{byte}}}, CancellationToken)"/>
/// executes it node by node in topological order, reusing buffers by liveness, and returns the outputs as serialized
/// ONNX TensorProtos in graph-output order. Thread-safe: concurrent runs share only the immutable model and the backend.
/// </summary>
public sealed class ComputeEngine
{
    private readonly ComputeOptions _options;
    private readonly IComputeBackend _backend;
    private readonly ILogger _logger;

    public ComputeEngine(ComputeOptions options, IComputeBackend backend)
        : this(options, backend, null)
    {
    }

    public ComputeEngine(ComputeOptions options, IComputeBackend backend, ILogger<ComputeEngine>? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backend);
        _options = options;
        _backend = backend;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The backend's name ("cpu", "ilgpu-cpu", "cuda"), as reported in receipts.</summary>
    public string BackendName => _backend.Name;

    public ComputeOptions Options => _options;

    /// <summary>Validates and plans a model; <see cref="ComputeException"/> names what is wrong or over a limit.</summary>
    public ComputeModel Load(ReadOnlySpan<byte> modelBytes)
    {
        var digest = Digest(modelBytes);
        try
        {
            var graph = GraphOptimizer.Optimize(ModelLoader.Load(modelBytes, _options), fuseActivations: _backend is CpuBackend || _backend.Name == "cpu");
            var kernels = new IOperatorKernel[graph.Nodes.Count];
            for (var i = 0; i < kernels.Length; i++)
            {
                kernels[i] = _backend.TryCreateKernel(graph.Nodes[i]) ?? CpuKernels.Get(graph.Nodes[i]);
            }

            var model = new ComputeModel(graph, kernels, _backend.Name, digest);
            ComputeLog.ModelLoaded(_logger, digest, _backend.Name, graph.Nodes.Count, graph.FoldedNodes, graph.ConstantBytes, graph.IrVersion, graph.Opset);
            return model;
        }
        catch (ComputeException ex)
        {
            ComputeLog.ModelRefused(_logger, digest, ex.Reason, ex.Message);
            throw;
        }
    }

    /// <summary>Loads <paramref name="modelBytes"/> and runs it once on <paramref name="inputs"/> (serialized TensorProtos by graph input name).</summary>
    public ComputeResult Run(ReadOnlySpan<byte> modelBytes, IReadOnlyList<(string Name, ReadOnlyMemory<byte> TensorProto)> inputs, CancellationToken cancellationToken)
        => Run(Load(modelBytes), inputs, cancellationToken);

    /// <summary>Runs a loaded model. An input with an empty name binds to the graph input at its position.</summary>
    public ComputeResult Run(ComputeModel model, IReadOnlyList<(string Name, ReadOnlyMemory<byte> TensorProto)> inputs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        var tensors = new List<(string, Tensor)>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            var (name, bytes) = inputs[i];
            var what = $"input '{(string.IsNullOrEmpty(name) ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : name)}'";
            var proto = TensorProtoConverter.Parse(bytes.Span, what);
            tensors.Add((name, TensorProtoConverter.ToTensor(proto, _options.MaxTensorElements, what)));
        }

        return Execute(model, tensors, cancellationToken, outs =>
        {
            var result = new (string, byte[])[outs.Length];
            for (var i = 0; i < outs.Length; i++)
            {
                result[i] = (model.Outputs[i].Name, TensorProtoConverter.Serialize(outs[i], model.Outputs[i].Name));
            }

            return new ComputeResult(result, _backend.Name);
        }, r => OutputDigest(r.Outputs));
    }

    /// <summary>Runs a loaded model on in-memory tensors; returns copies of the outputs in graph-output order.</summary>
    public IReadOnlyList<Tensor> RunTensors(ComputeModel model, IReadOnlyList<(string Name, Tensor Tensor)> inputs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        return Execute(model, inputs, cancellationToken, outs => outs.Select(Copy).ToArray(), _ => "-");
    }

    private T Execute<T>(ComputeModel model, IReadOnlyList<(string Name, Tensor Tensor)> inputs, CancellationToken cancellationToken,
        Func<Tensor[], T> consume, Func<T, string> digest)
    {
        if (!string.Equals(model.Backend, _backend.Name, StringComparison.Ordinal))
        {
            throw new ArgumentException($"model was planned for backend '{model.Backend}', this engine runs '{_backend.Name}'", nameof(model));
        }

        var stopwatch = Stopwatch.StartNew();
        var graph = model.Graph;
        using var allocator = new TensorAllocator(_options.MaxTensorElements, Math.Max(1, _options.MaxPlannedMemoryBytes - graph.ConstantBytes), model.Buffers);
        try
        {
            var values = BindInputs(graph, inputs);
            foreach (var (name, tensor) in graph.Constants)
            {
                values[name] = tensor;
            }

            using (_backend.BeginJob())
            {
                var threads = _options.EffectiveThreads;
                foreach (var node in graph.Nodes)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var args = new Tensor?[node.Inputs.Count];
                    for (var i = 0; i < args.Length; i++)
                    {
                        var name = node.Inputs[i];
                        args[i] = name.Length == 0 ? null : values[name];
                    }

                    var context = new KernelContext(node, args, allocator, threads, cancellationToken, model.ConstantInputs[node.Index], model.UsedOutputs[node.Index]);
                    try
                    {
                        model.Kernels[node.Index].Execute(context);
                    }
                    catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentException or InvalidCastException or OverflowException or InvalidOperationException)
                    {
                        throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{node.Display} failed: {ex.Message}", ex);
                    }

                    allocator.ReleaseTemporaries();
                    for (var o = 0; o < node.Outputs.Count; o++)
                    {
                        var name = node.Outputs[o];
                        if (name.Length == 0)
                        {
                            continue;
                        }

                        var t = context.GetOutput(o);
                        if (t is null)
                        {
                            if (!model.UsedOutputs[node.Index][o])
                            {
                                continue;
                            }

                            throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{node.Display}: output '{name}' was not produced");
                        }

                        allocator.Track(t);
                        values[name] = t;
                    }

                    foreach (var dead in model.DyingAfter[node.Index])
                    {
                        if (values.Remove(dead, out var t))
                        {
                            allocator.Release(t);
                        }
                    }
                }

                var outputs = new Tensor[graph.Outputs.Count];
                for (var i = 0; i < outputs.Length; i++)
                {
                    outputs[i] = values[graph.Outputs[i].Name];
                }

                var result = consume(outputs);
                ComputeLog.JobCompleted(_logger, model.ModelDigest, _backend.Name, outputs.Length, digest(result), allocator.AllocatedBytes, allocator.ReuseCount, stopwatch.Elapsed.TotalMilliseconds);
                return result;
            }
        }
        catch (ComputeException ex)
        {
            ComputeLog.JobFailed(_logger, model.ModelDigest, ex.Reason, ex.Message);
            throw;
        }
    }

    private Dictionary<string, Tensor> BindInputs(LoadedGraph graph, IReadOnlyList<(string Name, Tensor Tensor)> inputs)
    {
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var i = 0; i < inputs.Count; i++)
        {
            var (name, tensor) = inputs[i];
            ArgumentNullException.ThrowIfNull(tensor);
            GraphValueInfo? info = string.IsNullOrEmpty(name)
                ? (i < graph.Inputs.Count ? graph.Inputs[i] : null)
                : graph.Inputs.FirstOrDefault(x => x.Name == name);
            if (info is null)
            {
                throw new ComputeException(ComputeErrorReason.InvalidInput, $"input '{name}' (position {i}) is not a graph input");
            }

            if (tensor.Shape.ElementCount > _options.MaxTensorElements)
            {
                throw new ComputeException(ComputeErrorReason.LimitExceeded, $"input '{info.Name}' has {tensor.Shape.ElementCount} elements, over MaxTensorElements {_options.MaxTensorElements}");
            }

            if (tensor.DataType != info.DataType)
            {
                throw new ComputeException(ComputeErrorReason.InvalidInput, $"input '{info.Name}' is {tensor.DataType}, the graph expects {info.DataType}");
            }

            if (info.Dims is { } dims)
            {
                var ok = dims.Count == tensor.Shape.Rank;
                for (var d = 0; ok && d < dims.Count; d++)
                {
                    ok = dims[d] < 0 || dims[d] == tensor.Shape[d];
                }

                if (!ok)
                {
                    throw new ComputeException(ComputeErrorReason.InvalidInput,
                        $"input '{info.Name}' has shape {tensor.Shape}, the graph expects [{string.Join("x", dims.Select(x => x < 0 ? "?" : x.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]");
                }
            }

            if (!values.TryAdd(info.Name, tensor))
            {
                throw new ComputeException(ComputeErrorReason.InvalidInput, $"input '{info.Name}' is given twice");
            }
        }

        foreach (var info in graph.Inputs)
        {
            if (!values.ContainsKey(info.Name))
            {
                throw new ComputeException(ComputeErrorReason.InvalidInput, $"input '{info.Name}' is missing");
            }
        }

        return values;
    }

    private static Tensor Copy(Tensor t)
    {
        var copy = Tensor.Zeros(t.DataType, t.Shape);
        t.AsBytes().CopyTo(copy.AsBytes());
        return copy;
    }

    private static string Digest(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];

    private static string OutputDigest(IReadOnlyList<(string Name, byte[] TensorProto)> outputs)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (_, bytes) in outputs)
        {
            hash.AppendData(bytes);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
