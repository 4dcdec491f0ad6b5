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
/// ONNX TensorProtos in graph-output order (a sequence-typed input or output is a serialized SequenceProto instead). Thread-safe: concurrent runs share only the immutable model and the backend.
/// </summary>
public sealed class ComputeEngine
{
    private readonly ComputeOptions _options;
    private readonly IComputeBackend _backend;
    private readonly ILogger _logger;
    private readonly ModelCache _models;
    private readonly IntraOpThreadBudget _threads;

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
        _models = new ModelCache(options.ModelCacheEntries, options.ModelCacheMaxBytes);
        _threads = new IntraOpThreadBudget(options.EffectiveThreadBudget);
        Backends.Cpu.Sgemm.SelectIsa(options.CpuIsa);
    }

    /// <summary>Models held by the model cache (see <see cref="ComputeOptions.ModelCacheEntries"/>).</summary>
    public int CachedModels => _models.Count;

    /// <summary>The backend's name ("cpu", "ilgpu-cpu", "cuda"), as reported in receipts.</summary>
    public string BackendName => _backend.Name;

    public ComputeOptions Options => _options;

    /// <summary>The kernel threads this engine's concurrent jobs share (<see cref="ComputeOptions.ThreadBudget"/>).</summary>
    internal IntraOpThreadBudget ThreadBudget => _threads;

    /// <summary>
    /// Validates and plans a model; <see cref="ComputeException"/> names what is wrong or over a limit. A model whose bytes
    /// were loaded before and are still in the model cache is returned as it was (already validated and planned).
    /// </summary>
    public ComputeModel Load(ReadOnlySpan<byte> modelBytes)
    {
        Span<byte> sha256 = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(modelBytes, sha256);
        var key = Convert.ToHexStringLower(sha256);
        var digest = LogPseudonym(sha256);
        if (_models.TryGet(key, out var cached))
        {
            ComputeTelemetry.ModelCacheHits.Add(1);
            return cached;
        }

        try
        {
            var graph = GraphOptimizer.Optimize(ModelLoader.Load(modelBytes, _options), fuseActivations: _backend is CpuBackend || _backend.Name == "cpu");
            var kernels = new IOperatorKernel[graph.Nodes.Count];
            for (var i = 0; i < kernels.Length; i++)
            {
                kernels[i] = _backend.TryCreateKernel(graph.Nodes[i]) ?? CpuKernels.Get(graph.Nodes[i]);
            }

            var model = new ComputeModel(graph, kernels, _backend.Name, digest);
            _models.Add(key, model);
            ComputeLog.ModelLoaded(_logger, digest, _backend.Name);
            return model;
        }
        catch (ComputeException ex)
        {
            ComputeTelemetry.ModelsRefused.Add(1, new KeyValuePair<string, object?>("reason", ex.Reason.ToString()));
            ComputeLog.ModelRefused(_logger, digest, ex.Reason);
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
            var position = string.IsNullOrEmpty(name) ? i : model.Plan.InputPositions.GetValueOrDefault(name, -1);
            if (position >= 0 && position < model.Inputs.Count && model.Inputs[position] is { IsSequence: true } info)
            {
                tensors.Add((name, SequenceProtoConverter.Deserialize(bytes.Span, _options.MaxTensorElements, info.DataType, what)));
                continue;
            }

            var proto = TensorProtoConverter.Parse(bytes.Span, what);
            tensors.Add((name, TensorProtoConverter.ToTensor(proto, _options.MaxTensorElements, what)));
        }

        return Execute(model, tensors, cancellationToken, outs =>
        {
            var result = new (string, byte[])[outs.Length];
            for (var i = 0; i < outs.Length; i++)
            {
                var name = model.Outputs[i].Name;
                result[i] = (name, outs[i].IsSequence ? SequenceProtoConverter.Serialize(outs[i], name) : TensorProtoConverter.Serialize(outs[i], name));
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

        using var activity = ComputeTelemetry.ActivitySource.StartActivity("compute.run");
        activity?.SetTag("compute.backend", _backend.Name);
        activity?.SetTag("compute.model_digest", model.ModelDigest);
        var stopwatch = Stopwatch.StartNew();
        var outcome = "failed";
        var graph = model.Graph;
        var plan = model.Plan;
        // Held to the end, past the buffers' clearing (ClearThreads): the job's share of the cores (ComputeOptions.ThreadBudget).
        using var lease = _threads.Acquire(_options.EffectiveThreads);
        var threads = lease.Threads;
        var state = plan.Rent(graph, _options.MaxTensorElements, Math.Max(1, _options.MaxPlannedMemoryBytes - graph.ConstantBytes), model.Buffers, _options.PoisonUninitializedBuffers);
        try
        {
            var values = state.Values;
            BindInputs(graph, plan, inputs, values);
            foreach (var (slot, tensor) in plan.Constants)
            {
                values[slot] = tensor;
            }

            var allocator = state.Allocator;
            allocator.ClearThreads = threads;
            using (_backend.BeginJob())
            {
                var kernels = model.Kernels;
                for (var n = 0; n < kernels.Length; n++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var args = state.Arguments[n];
                    var inputSlots = plan.InputSlots[n];
                    for (var i = 0; i < args.Length; i++)
                    {
                        var slot = inputSlots[i];
                        args[i] = slot < 0 ? null : values[slot];
                    }

                    var context = state.Contexts[n];
                    context.Reset(threads, cancellationToken);
                    KernelRunner.Execute(kernels[n], context);
                    allocator.ReleaseTemporaries();
                    var outputSlots = plan.OutputSlots[n];
                    for (var o = 0; o < outputSlots.Length; o++)
                    {
                        var slot = outputSlots[o];
                        if (slot < 0)
                        {
                            continue;
                        }

                        var t = context.GetOutput(o);
                        if (t is null)
                        {
                            if (!plan.UsedOutputs[n][o])
                            {
                                continue;
                            }

                            throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{context.Node.Display}: output '{context.Node.Outputs[o]}' was not produced");
                        }

                        allocator.Track(t);
                        values[slot] = t;
                    }

                    foreach (var dead in plan.DyingAfter[n])
                    {
                        if (values[dead] is { } t)
                        {
                            values[dead] = null;
                            allocator.Release(t);
                        }
                    }
                }

                var outputs = new Tensor[plan.GraphOutputSlots.Length];
                for (var i = 0; i < outputs.Length; i++)
                {
                    outputs[i] = values[plan.GraphOutputSlots[i]]
                        ?? throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"graph output '{graph.Outputs[i].Name}' was not produced");
                }

                var result = consume(outputs);
                outcome = "ok";
                if (_logger.IsEnabled(LogLevel.Information))
                {
                    ComputeLog.JobCompleted(_logger, model.ModelDigest, _backend.Name, digest(result), stopwatch.Elapsed.TotalMilliseconds);
                }

                return result;
            }
        }
        catch (ComputeException ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Reason.ToString());
            ComputeLog.JobFailed(_logger, model.ModelDigest, ex.Reason);
            throw;
        }
        finally
        {
            plan.Return(state);
            ComputeTelemetry.JobDuration.Record(stopwatch.Elapsed.TotalSeconds,
                new KeyValuePair<string, object?>("backend", _backend.Name), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    private void BindInputs(LoadedGraph graph, ExecutionPlan plan, IReadOnlyList<(string Name, Tensor Tensor)> inputs, Tensor?[] values)
    {
        Span<bool> bound = graph.Inputs.Count <= 256 ? stackalloc bool[graph.Inputs.Count] : new bool[graph.Inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            var (name, tensor) = inputs[i];
            ArgumentNullException.ThrowIfNull(tensor);
            var position = string.IsNullOrEmpty(name)
                ? (i < graph.Inputs.Count ? i : -1)
                : plan.InputPositions.GetValueOrDefault(name, -1);
            if (position < 0)
            {
                throw new ComputeException(ComputeErrorReason.InvalidInput, $"input '{name}' (position {i}) is not a graph input");
            }

            var info = graph.Inputs[position];
            if (tensor.Shape.ElementCount > _options.MaxTensorElements)
            {
                throw new ComputeException(ComputeErrorReason.LimitExceeded, $"input '{info.Name}' has {tensor.Shape.ElementCount} elements, over MaxTensorElements {_options.MaxTensorElements}");
            }

            if (tensor.IsSequence != info.IsSequence)
            {
                throw new ComputeException(ComputeErrorReason.InvalidInput,
                    $"input '{info.Name}' is a {(tensor.IsSequence ? "sequence" : "tensor")}, the graph expects a {(info.IsSequence ? "sequence" : "tensor")}");
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

            if (bound[position])
            {
                throw new ComputeException(ComputeErrorReason.InvalidInput, $"input '{info.Name}' is given twice");
            }

            bound[position] = true;
            values[plan.GraphInputSlots[position]] = tensor;
        }

        for (var i = 0; i < bound.Length; i++)
        {
            if (!bound[i])
            {
                throw new ComputeException(ComputeErrorReason.InvalidInput, $"input '{graph.Inputs[i].Name}' is missing");
            }
        }
    }

    private static Tensor Copy(Tensor t)
    {
        if (t.IsSequence)
        {
            return Tensor.Sequence(t.DataType, t.SequenceElements.Select(Copy));
        }

        var copy = Tensor.Zeros(t.DataType, t.Shape);
        t.AsBytes().CopyTo(copy.AsBytes());
        return copy;
    }

    private static string OutputDigest(IReadOnlyList<(string Name, byte[] TensorProto)> outputs)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (_, bytes) in outputs)
        {
            hash.AppendData(bytes);
        }

        return LogPseudonym(hash.GetHashAndReset());
    }

    /// <summary>Key of <see cref="LogPseudonym"/>: random per process, kept only in memory (in the TD, on the agent).</summary>
    private static readonly byte[] LogPseudonymKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>
    /// How logs and traces name a model or an output: HMAC-SHA256 of its SHA-256 under <see cref="LogPseudonymKey"/>, 16 hex
    /// digits. Equal within a process (lines correlate), but without the key a host cannot confirm a guessed model or output
    /// the way it could with a plain digest.
    /// </summary>
    internal static string LogPseudonym(ReadOnlySpan<byte> sha256) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(LogPseudonymKey, sha256))[..16];
}
