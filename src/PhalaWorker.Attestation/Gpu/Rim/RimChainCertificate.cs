namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>
/// One certificate of a verified RIM chain (signer first, the trusted root last). Revocation checking (OCSP) applies to
/// positions 0..n-2, each with the next certificate as issuer.
/// </summary>
public sealed record RimChainCertificate(int Position, string DisplayName, string SerialHex, DateTimeOffset NotBefore, DateTimeOffset NotAfter, byte[] Der);
