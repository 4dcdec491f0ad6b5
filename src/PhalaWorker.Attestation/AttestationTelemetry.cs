using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PhalaWorker.Attestation;

/// <summary>The attestation library's ActivitySource and Meter (both named "PhalaWorker.Attestation"); exporters are configured by the Agent.</summary>
internal static class AttestationTelemetry
{
    public const string Name = "PhalaWorker.Attestation";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Time of one DCAP verification in seconds, tagged with the verdict.</summary>
    public static readonly Histogram<double> VerifyDuration = Meter.CreateHistogram<double>("phala_worker.attestation.verify.duration", "s", "Time to verify one quote");

    /// <summary>Quote verifications, tagged with the verdict, the TCB status and the failed check.</summary>
    public static readonly Counter<long> Verifications = Meter.CreateCounter<long>("phala_worker.attestation.verifications", "{quote}", "Quote verifications by verdict");
}
