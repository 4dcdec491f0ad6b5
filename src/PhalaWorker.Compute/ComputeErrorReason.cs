namespace PhalaWorker.Compute;

/// <summary>Why a model or job was refused or failed.</summary>
public enum ComputeErrorReason
{
    /// <summary>The model bytes are not a valid ONNX model (malformed protobuf, bad graph, cycle, bad attribute).</summary>
    InvalidModel,
    /// <summary>A configured limit (model bytes, tensor elements, planned memory, node count) was exceeded.</summary>
    LimitExceeded,
    /// <summary>The model uses an operator that is unknown or not allowed.</summary>
    UnsupportedOperator,
    /// <summary>A tensor uses a data type this engine does not support.</summary>
    UnsupportedDataType,
    /// <summary>An input tensor is missing, malformed, or does not match the graph.</summary>
    InvalidInput,
    /// <summary>The requested backend does not exist or cannot run here.</summary>
    BackendUnavailable,
    /// <summary>An operator failed while executing (shape mismatch discovered at run time, bad index).</summary>
    ExecutionFailed,
    /// <summary>
    /// The accelerator failed (CUDA/ILGPU: out of device memory, kernel compilation (PTX JIT) failure, launch refused or
    /// failed, device fault). The job fails; the node never falls back to the CPU silently.
    /// </summary>
    DeviceFailed,
}
