using System.Diagnostics;
using System.Security.Cryptography;
using PhalaWorker.Attestation.Gpu.Appraisal;
using PhalaWorker.Attestation.Gpu.Evidence;
using PhalaWorker.Attestation.Internal;

namespace PhalaWorker.Attestation.Gpu.Verification;

/// <summary>
/// Verifies NVIDIA GPU confidential-computing evidence locally, fail-closed, following NVIDIA's local verifier: per GPU the
/// report decodes; its request nonce is the expected one; its driver / VBIOS versions equal NVML's (when given); the
/// P-384 signature over request ‖ response-without-signature verifies with the device leaf key; the device chain has exactly
/// 5 certificates to the NVIDIA Device Identity CA; the leaf FWID extension matches the report's FWID; OCSP of chain
/// indices 1..n−2; the driver and VBIOS RIMs and the measurement comparison; then the policy. Every check is reported.
/// </summary>
public static partial class GpuVerifier
{
    /// <summary>Certificates in an NVIDIA device chain (leaf, GSP/FSP, provisioner ICA, identity CA, root).</summary>
    public const int DeviceChainLength = 5;

    /// <summary>OID of the TCG DICE TcbInfo extension whose last 48 bytes are the firmware id.</summary>
    public const string FwidExtensionOid = "2.23.133.5.4.1";

    /// <summary>Verifies remote-evidence JSON (<see cref="NvidiaRemoteEvidence"/>); a document that does not decode is one EvidenceFormat failure.</summary>
    public static GpuAppraisal VerifyRemoteEvidence(ReadOnlySpan<byte> json, GpuVerificationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        IReadOnlyList<GpuEvidenceItem> items;
        try
        {
            items = NvidiaRemoteEvidence.Parse(json);
        }
        catch (Spdm.GpuEvidenceFormatException ex)
        {
            var failure = new GpuAppraisalFailure(GpuCheck.EvidenceFormat, ex.Field, ex.Message);
            return new GpuAppraisal { Valid = false, Reason = failure.Message, FailedCheck = failure.Check, FailedItem = failure.Item, VerifiedAt = context.At };
        }

        return Verify(items, context);
    }

    public static GpuAppraisal Verify(IReadOnlyList<GpuEvidenceItem> gpus, GpuVerificationContext context)
    {
        ArgumentNullException.ThrowIfNull(gpus);
        ArgumentNullException.ThrowIfNull(context);
        using var activity = AttestationTelemetry.ActivitySource.StartActivity("gpu.verify");
        var started = Stopwatch.GetTimestamp();
        if (gpus.Count == 0)
        {
            return new GpuAppraisal { Valid = false, Reason = "no GPU evidence", FailedCheck = GpuCheck.EvidenceFormat, FailedItem = "evidence", VerifiedAt = context.At };
        }

        var results = new List<GpuDeviceAppraisal>(gpus.Count);
        var leafKeys = new List<byte[]?>(gpus.Count);
        for (var i = 0; i < gpus.Count; i++)
        {
            var run = new Run(i, gpus[i], context);
            var appraisal = run.Execute();

            // N GPUs must be N devices: the same leaf answering twice is not two attested GPUs.
            var duplicate = run.LeafKey is { } key ? leafKeys.FindIndex(k => k is not null && k.AsSpan().SequenceEqual(key)) : -1;
            if (duplicate >= 0)
            {
                var failure = new GpuAppraisalFailure(GpuCheck.CertificateChain, "certificateChain[0]", $"device leaf is the same as GPU {duplicate}'s: one device presented twice");
                appraisal = appraisal with
                {
                    Valid = false,
                    Failures = [.. appraisal.Failures, failure],
                    Reason = appraisal.Reason ?? failure.Message,
                    FailedCheck = appraisal.FailedCheck ?? failure.Check,
                    FailedItem = appraisal.FailedItem ?? failure.Item,
                };
            }

            leafKeys.Add(run.LeafKey);
            results.Add(appraisal);
        }

        var first = results.FirstOrDefault(r => !r.Valid);
        var verdict = new GpuAppraisal
        {
            Valid = first is null,
            Reason = first is null ? null : $"GPU {first.Index}: {first.Reason}",
            FailedCheck = first?.FailedCheck,
            FailedItem = first?.FailedItem,
            FailedGpu = first?.Index,
            Gpus = results,
            Emulated = results.Any(r => r.Emulated),
            VerifiedAt = context.At,
        };
        var tag = new KeyValuePair<string, object?>("verdict", verdict.Valid ? "accepted" : "rejected");
        GpuTelemetry.VerifyDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tag);
        GpuTelemetry.Verifications.Add(1, tag, new("failed_check", verdict.FailedCheck?.ToString() ?? "none"));
        activity?.SetTag("verdict", verdict.Valid ? "accepted" : "rejected");
        activity?.SetTag("gpus", gpus.Count);
        return verdict;
    }

    /// <summary>Splits the PEM chain; throws <see cref="FormatException"/> when it is not PEM certificates.</summary>
    internal static List<byte[]> SplitChain(byte[] pem)
    {
        var ders = Pem.SplitCertificates(pem);
        if (ders.Count == 0)
        {
            throw new FormatException("no PEM certificate in the chain");
        }

        return ders;
    }

    internal static bool VerifyReportSignature(GpuCertificate leaf, ReadOnlySpan<byte> report, int signedLength)
    {
        if (leaf.PublicKey.KeySize != 384)
        {
            return false;
        }

        try
        {
            return leaf.PublicKey.VerifyData(report[..signedLength], report[signedLength..], HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
