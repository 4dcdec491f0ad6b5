using PhalaWorker.Attestation.Gpu.Appraisal;

namespace PhalaWorker.Client;

/// <summary>
/// What was verified about a node's GPUs from its fresh GPU evidence (AttestationBundle.fresh_gpu_evidence): signed by the
/// node key over this request's nonce, requested with the derived nonce, and accepted by GPU verification.
/// </summary>
/// <param name="Format"><c>nvidia-remote-evidence/v1</c> (the emulated GPU publishes the same format).</param>
/// <param name="Emulated">True for emulated GPU evidence (accepted only with <see cref="NodeVerifierOptions.AllowEmulated"/>).</param>
/// <param name="Gpus">One entry per attested GPU.</param>
/// <param name="Appraisal">The full appraisal (every check per GPU), for emulated evidence too.</param>
/// <param name="EvidenceSha256">SHA-256 of the fresh evidence, lower-case hex.</param>
public sealed record VerifiedGpuEvidence(string Format, bool Emulated, IReadOnlyList<VerifiedGpu> Gpus, GpuAppraisal? Appraisal, string EvidenceSha256);

/// <summary>One attested GPU.</summary>
/// <param name="Index">Position in the evidence.</param>
/// <param name="Arch">HOPPER, BLACKWELL, or EMULATED (a GPU whose device chain ends at the emulated root).</param>
/// <param name="Uuid">The GPU UUID, when the node reported it.</param>
/// <param name="DriverVersion">Driver version (from the signed report for NVIDIA evidence).</param>
/// <param name="VbiosVersion">VBIOS version (from the signed report for NVIDIA evidence).</param>
/// <param name="CcMode">CC mode as reported (<c>on</c> for accepted evidence), when known.</param>
public sealed record VerifiedGpu(int Index, string Arch, string? Uuid, string? DriverVersion, string? VbiosVersion, string? CcMode);
