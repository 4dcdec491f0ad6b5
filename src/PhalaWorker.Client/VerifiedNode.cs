using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Attestation.Measurement;
using PhalaWorker.Attestation.Policy;
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

    /// <summary>The accepted profile the node matched; null only when any measurement was trusted.</summary>
    public MeasurementProfile? AcceptedProfile { get; init; }

    /// <summary>What the node's replayed RTMR3 event log says about its agent (digest, version, settings).</summary>
    public MeasuredAgent? Agent { get; init; }

    /// <summary>True when the node was accepted without matching a profile (<see cref="NodeVerifierOptions.TrustAnyMeasurement"/>).</summary>
    public bool MeasurementTrustedWithoutProfile { get; init; }

    /// <summary>
    /// The RA-TLS key digest the quote binds (SHA-256 of the certificate's SubjectPublicKeyInfo), which the client's connection
    /// is pinned to; null when the node binds none (plaintext, accepted only with <see cref="NodeVerifierOptions.InsecureTransport"/>).
    /// </summary>
    public byte[]? TlsSpkiSha256 { get; init; }

    /// <summary>True when the connection is pinned to <see cref="TlsSpkiSha256"/>; false only under <see cref="NodeVerifierOptions.InsecureTransport"/>.</summary>
    public bool TransportPinned { get; init; }

    /// <summary>The verdict on the node's fresh GPU evidence; null when the node sent none (allowed only for non-cuda nodes).</summary>
    public VerifiedGpuEvidence? Gpu { get; init; }
}
