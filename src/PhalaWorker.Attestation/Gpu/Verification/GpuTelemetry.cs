using System.Diagnostics.Metrics;

namespace PhalaWorker.Attestation.Gpu.Verification;

/// <summary>GPU verification metrics on the library's Meter.</summary>
internal static class GpuTelemetry
{
    /// <summary>Time of one GPU evidence verification (all GPUs) in milliseconds, tagged with the verdict.</summary>
    public static readonly Histogram<double> VerifyDuration = AttestationTelemetry.Meter.CreateHistogram<double>("phala.attestation.gpu.verify.duration", "ms", "Time to verify GPU evidence");

    /// <summary>GPU evidence verifications by verdict and failed check.</summary>
    public static readonly Counter<long> Verifications = AttestationTelemetry.Meter.CreateCounter<long>("phala.attestation.gpu.verifications", description: "GPU evidence verifications by verdict");
}
