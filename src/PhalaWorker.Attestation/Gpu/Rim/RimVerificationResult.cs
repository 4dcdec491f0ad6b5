namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>
/// The verdict on one RIM: every check (<see cref="RimCheck"/>) with its outcome, the first failure, and — when the chain
/// check passed — the verified chain for OCSP. <see cref="Valid"/> is true only when all four checks passed.
/// </summary>
public sealed record RimVerificationResult
{
    public required RimId Id { get; init; }

    /// <summary>True when the digest, signature, chain and validity checks all passed.</summary>
    public required bool Valid { get; init; }

    /// <summary>One entry per check, in the order Digest, Signature, Chain, Validity.</summary>
    public required IReadOnlyList<RimCheckResult> Checks { get; init; }

    /// <summary>The first failed check, null when valid.</summary>
    public RimCheck? FailedCheck { get; init; }

    /// <summary>The certificate or element the first failed check concerns.</summary>
    public string? FailedItem { get; init; }

    /// <summary>Every failure's detail joined by "; ", null when valid.</summary>
    public string? Reason { get; init; }

    /// <summary>The chain as verified (signer first, the trusted root last); empty unless the chain check passed.</summary>
    public IReadOnlyList<RimChainCertificate> VerifiedChain { get; init; } = [];

    /// <summary>True when the chain ends at an emulated root (possible only with a root set that trusts one).</summary>
    public bool Emulated { get; init; }

    /// <summary>The time validity was checked at.</summary>
    public DateTimeOffset VerifiedAt { get; init; }

    /// <summary>The earliest notAfter of the chain: the verdict does not hold after it. Null when the chain did not decode.</summary>
    public DateTimeOffset? ValidUntil { get; init; }

    /// <summary>The result of <paramref name="check"/>.</summary>
    public RimCheckResult this[RimCheck check] => Checks.First(c => c.Check == check);
}
