using Grpc.Core;

namespace PhalaWorker.Protocol.Wire;

/// <summary>One refusal of the node API: its reason code (trailer <c>phala-reason</c>), its gRPC status, and what it means.</summary>
/// <param name="Code">The stable machine-readable reason, e.g. <c>JOB_ID_LENGTH</c>.</param>
/// <param name="Status">The gRPC status the node answers with this reason (always the same one).</param>
/// <param name="Meaning">One line: when the node refuses with it.</param>
public sealed record Refusal(string Code, StatusCode Status, string Meaning);
