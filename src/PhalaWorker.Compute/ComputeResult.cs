namespace PhalaWorker.Compute;

/// <summary>The outputs of a job, as serialized ONNX <c>TensorProto</c>s in graph-output order.</summary>
/// <param name="Outputs">(graph output name, serialized TensorProto with raw_data).</param>
/// <param name="Backend">The backend that ran the job.</param>
public sealed record ComputeResult(IReadOnlyList<(string Name, byte[] TensorProto)> Outputs, string Backend);
