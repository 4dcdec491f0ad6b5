namespace PhalaWorker.Attestation.Appraisal;

/// <summary>One failed check: which check, the certificate or field it concerns, and a human explanation.</summary>
public sealed record AppraisalFailure(VerificationCheck Check, string Item, string Message);
