using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Client;

/// <summary>A finished, verified job: the decrypted outputs, the checked receipt and, when posted, its checked inclusion.</summary>
public sealed record JobOutcome(
    byte[] JobId,
    JobOutput Output,
    VerifiedReceipt Receipt,
    InclusionProof? Inclusion,
    bool InclusionVerifiedOnChain,
    bool Duplicate)
{
    /// <summary>The node identity the job ran on and whose key signed the receipt (a new one after a resubmission).</summary>
    public VerifiedNode? Node { get; init; }

    /// <summary>
    /// The job's 32-byte secret (sealed inside the envelope): derives the access token for GetResult/WatchJob and the salt of
    /// the receipt hashes; reveal it only to let someone else recompute them.
    /// </summary>
    public byte[] JobSecret { get; init; } = [];

    /// <summary>How often the job was resealed and resubmitted because the node restarted with new keys.</summary>
    public int Resubmissions { get; init; }
}
