namespace PhalaWorker.Compute.Conformance;

/// <summary>Outcome of one ONNX backend test folder.</summary>
public enum NodeTestStatus
{
    Passed,
    Failed,
    /// <summary>The model uses an operator, attribute or data type this engine refuses (named in the detail).</summary>
    Unsupported,
}
