namespace PhalaWorker.Protocol.Wire;

/// <summary>One reason a job that was accepted ends <c>FAILED</c>: the code that starts <c>JobResult.error</c> and <c>JobEvent.detail</c>.</summary>
/// <param name="Code">The stable machine-readable reason, e.g. <c>MODEL_INVALID_INPUT</c>.</param>
/// <param name="Meaning">One line: when a running job fails with it.</param>
public sealed record Failure(string Code, string Meaning);
