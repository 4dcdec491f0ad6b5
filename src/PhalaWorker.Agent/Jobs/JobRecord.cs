using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Jobs;

/// <summary>One job as the journal keeps it, without its envelope (<see cref="JobJournal.GetEnvelopeAsync"/>). Payloads are the serialized protobuf messages.</summary>
internal sealed record JobRecord(
    byte[] JobId,
    byte[] EnvelopeDigest,
    JobState State,
    long UpdatedAtUnixMs,
    string? Detail,
    byte[]? SealedOutput,
    byte[]? Receipt,
    byte[]? ReceiptDigest,
    byte[]? Inclusion,
    byte[]? NodeAddress = null,
    byte[]? AccessTokenHash = null)
{
    public bool IsTerminal => State is JobState.Succeeded or JobState.Failed;
}
