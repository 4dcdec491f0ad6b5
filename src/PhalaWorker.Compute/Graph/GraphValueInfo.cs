namespace PhalaWorker.Compute.Graph;

/// <summary>
/// A graph input or output: name, element type and declared dims (-1 where symbolic or unknown; null when no shape is declared).
/// <paramref name="IsSequence"/>: the value is an ONNX sequence of <paramref name="DataType"/> tensors (its bytes on the wire
/// are a serialized <c>onnx.SequenceProto</c> instead of a <c>TensorProto</c>; <paramref name="Dims"/> is then null).
/// </summary>
public sealed record GraphValueInfo(string Name, DataType DataType, IReadOnlyList<long>? Dims, bool IsSequence = false);
