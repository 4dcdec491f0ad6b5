using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Client;

/// <summary>A finished, verified job: the decrypted outputs, the checked receipt and, when posted, its checked inclusion.</summary>
public sealed record JobOutcome(
    byte[] JobId,
    JobOutput Output,
    VerifiedReceipt Receipt,
    InclusionProof? Inclusion,
    bool InclusionVerifiedOnChain,
    bool Duplicate);
