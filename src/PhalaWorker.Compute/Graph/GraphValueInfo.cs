namespace PhalaWorker.Compute.Graph;

/// <summary>A graph input or output: name, element type and declared dims (-1 where symbolic or unknown; null when no shape is declared).</summary>
public sealed record GraphValueInfo(string Name, DataType DataType, IReadOnlyList<long>? Dims);
