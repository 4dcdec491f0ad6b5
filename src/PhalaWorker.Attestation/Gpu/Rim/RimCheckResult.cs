namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>The outcome of one <see cref="RimCheck"/>: passed or not, the certificate or element concerned, and why.</summary>
public sealed record RimCheckResult(RimCheck Check, bool Passed, string? Item, string Detail);
