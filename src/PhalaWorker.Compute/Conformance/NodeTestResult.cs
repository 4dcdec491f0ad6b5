namespace PhalaWorker.Compute.Conformance;

/// <summary>Result of one ONNX backend test folder: its name, status and a detail (first mismatch or the refusal).</summary>
public sealed record NodeTestResult(string Name, NodeTestStatus Status, string Detail);
