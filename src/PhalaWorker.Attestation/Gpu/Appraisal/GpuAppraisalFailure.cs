namespace PhalaWorker.Attestation.Gpu.Appraisal;

/// <summary>One failed check: which check, the certificate, RIM or field it concerns, and an explanation.</summary>
public sealed record GpuAppraisalFailure(GpuCheck Check, string Item, string Message);
