using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Client;

/// <summary>How strictly <see cref="NodeVerifier"/> checks a node.</summary>
public sealed class NodeVerifierOptions
{
    /// <summary>The attestation policy (TCB status, measurements, debug).</summary>
    /// <value>Default <see cref="AttestationPolicy.Strict"/>.</value>
    public AttestationPolicy Policy { get; set; } = AttestationPolicy.Strict;

    /// <summary>
    /// The TD identities accepted (besides those of the verifier's <see cref="IMeasurementProfileSource"/>): a node is refused
    /// unless its MRTD, RTMR0–2 and RTMR3 event log (agent digest, required settings) match one of them in full.
    /// </summary>
    /// <value>Default empty: with no source either, every node is refused unless <see cref="TrustAnyMeasurement"/> is set.</value>
    public IReadOnlyList<MeasurementProfile> AcceptedMeasurements { get; set; } = [];

    /// <summary>
    /// DANGEROUS: accept any TD measurements (the RTMR3 event log is still required and replayed). A host can then run a
    /// modified agent that leaks every job; only for development against builds with no published reference values.
    /// </summary>
    /// <value>Default false.</value>
    public bool TrustAnyMeasurement { get; set; }

    /// <summary>
    /// DANGEROUS: accept a node whose gRPC transport is not RA-TLS pinned to its attestation: a node measuring
    /// <c>tls.mode=plaintext</c>, an <c>http://</c> endpoint, or a channel the caller made. Jobs stay sealed to the attested
    /// key, but job ids, sizes and timing are visible to the host and the network, and a relay can sit in between.
    /// </summary>
    /// <value>Default false.</value>
    public bool InsecureTransport { get; set; }

    /// <summary>Accept a software-emulated TEE. Nothing sent to such a node is confidential.</summary>
    /// <value>Default false.</value>
    public bool AllowEmulated { get; set; }

    /// <summary>
    /// Seed of the emulated TEE whose root key is trusted when <see cref="AllowEmulated"/> is set. Emulated agents use the
    /// same well-known seed, so the full DCAP path runs on their quotes; this proves nothing about confidentiality.
    /// </summary>
    /// <value>Default <see cref="EmulatedTee.DefaultSeed"/> (<c>phala-worker/emulated-tee/v1</c>).</value>
    public string EmulationSeed { get; set; } = EmulatedTee.DefaultSeed;

    /// <summary>
    /// The policy the node's fresh NVIDIA GPU evidence is verified under (with the GPU collateral the node staples: RIMs and
    /// OCSP responses, all NVIDIA-signed). Emulated GPU evidence is accepted only with <see cref="AllowEmulated"/>.
    /// </summary>
    /// <value>Default <see cref="PhalaWorker.Attestation.Gpu.Policy.GpuAttestationPolicy.Strict"/> (OCSP and RIMs required, CC on, DevTools off).</value>
    public PhalaWorker.Attestation.Gpu.Policy.GpuAttestationPolicy GpuPolicy { get; set; } = PhalaWorker.Attestation.Gpu.Policy.GpuAttestationPolicy.Strict;

    /// <summary>Collateral to verify the quote with; null uses the collateral the node staples to its bundle.</summary>
    /// <value>Default null.</value>
    public QuoteCollateral? Collateral { get; set; }

    /// <summary>The chain id the node must be registered on; null accepts the node's (then checked on chain when a registry is given).</summary>
    /// <value>Default null.</value>
    public ulong? ExpectedChainId { get; set; }

    /// <summary>The registry the node must be registered in; null accepts the node's.</summary>
    /// <value>Default null.</value>
    public EthAddress? ExpectedRegistry { get; set; }

    /// <summary>Require the on-chain registration check (needs a <see cref="RegistryReader"/>).</summary>
    /// <value>Default true.</value>
    public bool RequireRegistration { get; set; } = true;

    /// <summary>
    /// The oldest node-stapled collateral accepted: its TCB info and QE identity issueDate and its PCK CRL thisUpdate must be
    /// at most this old. Collateral is signed by Intel, but the host chooses which (still signed, still inside its 30-day
    /// nextUpdate window) copy the node staples, e.g. one from before a TCB recovery that made the platform out of date.
    /// The agent refreshes what it staples well inside this age (Attestation:CollateralRefreshPeriod). Null applies only the
    /// policy's own <see cref="AttestationPolicy.MaxCollateralAge"/>; collateral the caller gives (<see cref="Collateral"/>) or
    /// fetches (<see cref="CollateralFetcher"/>) is not subject to it.
    /// </summary>
    /// <value>Default 1 day.</value>
    public TimeSpan? MaxStapledCollateralAge { get; set; } = DefaultMaxStapledCollateralAge;

    /// <summary>The default of <see cref="MaxStapledCollateralAge"/>: 1 day.</summary>
    public static readonly TimeSpan DefaultMaxStapledCollateralAge = TimeSpan.FromDays(1);

    /// <summary>
    /// Fetch the collateral from this PCS / PCCS instead of using what the node staples (the caller's own source of Intel's
    /// collateral). Ignored when <see cref="Collateral"/> is set.
    /// </summary>
    /// <value>Default null (use the stapled collateral, bounded by <see cref="MaxStapledCollateralAge"/>).</value>
    public PcsCollateralFetcher? CollateralFetcher { get; set; }

    /// <summary>The clock DCAP windows are checked at.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
