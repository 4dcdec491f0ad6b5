using System.Diagnostics.Metrics;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Policy;

namespace PhalaWorker.Attestation.Tests;

[NonParallelizable]
public sealed class AttestationTelemetryTests
{
    [Test]
    public void Verify_RealQuote_CountsOneVerificationWithVerdictAndTcbStatus()
    {
        var seen = new List<(long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == AttestationTelemetry.Name && instrument.Name == "phala_worker.attestation.verifications")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            lock (seen)
            {
                seen.Add((value, copy));
            }
        });
        listener.Start();

        DcapVerifier.Verify(AttestationTestData.Quote, QuoteCollateral.FromJson(AttestationTestData.CollateralJson),
            AttestationTestData.GoodTime, AttestationPolicy.Strict, TrustedRoots.Intel);
        DcapVerifier.Verify(AttestationTestData.Quote.AsSpan(0, 100), QuoteCollateral.FromJson(AttestationTestData.CollateralJson),
            AttestationTestData.GoodTime, AttestationPolicy.Strict, TrustedRoots.Intel);

        Assert.That(seen, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(seen[0].Value, Is.EqualTo(1));
            Assert.That(seen[0].Tags["verdict"], Is.EqualTo("accepted"));
            Assert.That(seen[0].Tags["tcb_status"], Is.EqualTo("UpToDate"));
            Assert.That(seen[1].Tags["verdict"], Is.EqualTo("rejected"));
            Assert.That(seen[1].Tags["failed_check"], Is.EqualTo("QuoteFormat"));
        });
    }
}
