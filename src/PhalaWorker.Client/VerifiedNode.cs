using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Client;

/// <summary>A node whose every claim was checked: what jobs are sealed to and what its receipts must carry.</summary>
public sealed record VerifiedNode(
    EthAddress Address,
    byte[] HpkePublicKey,
    byte[] Quote,
    Hash32 QuoteHash,
    TeeType TeeType,
    ulong ChainId,
    EthAddress Registry,
    string ComputeBackend,
    string AgentVersion,
    QuoteAppraisal Appraisal,
    RegisteredNode? Registration,
    AttestationBundle Bundle)
{
    public bool IsEmulated => TeeType == TeeType.EmulatedTdx;
}
