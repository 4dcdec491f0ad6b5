using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Net.Client;
using PhalaWorker.Attestation.Binding;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.EventLog;
using PhalaWorker.Attestation.Measurement;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Client.Tests;

/// <summary>
/// The DCAP step of <see cref="NodeVerifier"/> on bundles built as the agent builds them. Fresh collateral: the host picks
/// which still-signed copy of Intel's collateral the node staples, so by default the client accepts stapled collateral at
/// most a day old (<see cref="NodeVerifierOptions.MaxStapledCollateralAge"/>), while collateral the caller brings is judged
/// by the policy alone. Tampering: a quote changed after signing fails at the quote signature itself, even when every
/// check before DCAP is made to pass.
/// </summary>
public sealed class NodeVerifierDcapTests
{
    private static readonly DateTimeOffset Now = TimeProvider.System.GetUtcNow();

    private static readonly Lazy<EmulatedTee> Tee = new(() =>
        EmulatedTee.FromSeed(Encoding.ASCII.GetBytes(new NodeVerifierOptions().EmulationSeed), Now.AddDays(-3)));

    [Test]
    public void Default_MaxStapledCollateralAge_IsOneDay()
    {
        Assert.That(new NodeVerifierOptions().MaxStapledCollateralAge, Is.EqualTo(TimeSpan.FromDays(1)));
    }

    [Test]
    public void VerifyBundle_StapledCollateralHoursOld_Accepted()
    {
        using var node = new Node();
        var (bundle, nonce) = node.Bundle(Tee.Value.CreateCollateral(Now.AddHours(-3)).Json);

        var verified = Verifier(new NodeVerifierOptions()).VerifyBundle(bundle, nonce);

        Assert.That(verified.Appraisal.Valid, Is.True);
    }

    [Test]
    public void VerifyBundle_StapledCollateralTwoDaysOld_RejectedAtCollateralAge()
    {
        using var node = new Node();
        var (bundle, nonce) = node.Bundle(Tee.Value.CreateCollateral(Now.AddDays(-2)).Json);

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(new NodeVerifierOptions()).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.QuoteRejected));
        Assert.That(ex.Message, Does.Contain(nameof(Attestation.Appraisal.VerificationCheck.CollateralAge)).And.Contain("1.00:00:00"));
    }

    [Test]
    public void VerifyBundle_StapledCollateralTwoDaysOld_AcceptedOnlyWhenTheLimitIsLifted()
    {
        using var node = new Node();
        var (bundle, nonce) = node.Bundle(Tee.Value.CreateCollateral(Now.AddDays(-2)).Json);

        var verified = Verifier(new NodeVerifierOptions { MaxStapledCollateralAge = null }).VerifyBundle(bundle, nonce);

        Assert.That(verified.Appraisal.Valid, Is.True);
    }

    [Test]
    public void VerifyBundle_CallerCollateralTwoDaysOld_JudgedByPolicyOnly()
    {
        using var node = new Node();
        var (bundle, nonce) = node.Bundle(stapledCollateral: "");
        var own = QuoteCollateral.FromJson(Tee.Value.CreateCollateral(Now.AddDays(-2)).Json);

        var verified = Verifier(new NodeVerifierOptions { Collateral = own }).VerifyBundle(bundle, nonce);

        Assert.That(verified.Appraisal.Valid, Is.True, "the caller's own collateral is not the host's choice");
    }

    [Test]
    public void VerifyBundle_PolicyStricterThanStapledLimit_PolicyWins()
    {
        using var node = new Node();
        var (bundle, nonce) = node.Bundle(Tee.Value.CreateCollateral(Now.AddHours(-3)).Json);
        var options = new NodeVerifierOptions { Policy = AttestationPolicy.Strict with { MaxCollateralAge = TimeSpan.FromHours(1) } };

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(options).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Message, Does.Contain(nameof(Attestation.Appraisal.VerificationCheck.CollateralAge)).And.Contain("01:00:00"));
    }

    // Offsets in the TD report body, which starts at byte 48 of the (v4) emulated quote.
    [TestCase(136, TestName = "VerifyBundle_TamperedMrTd_FailsAtQuoteSignature")]
    [TestCase(0, TestName = "VerifyBundle_TamperedTeeTcbSvn_FailsAtQuoteSignature")]
    public void VerifyBundle_TamperedQuote_FailsAtTheDcapQuoteSignature(int bodyOffset)
    {
        using var node = new Node();
        // The node key re-signs the nonce over the tampered quote's hash and report_data is untouched, so the nonce
        // signature and the binding both pass: only DCAP's own check can catch it.
        var (bundle, nonce) = node.Bundle(Tee.Value.CreateCollateral(Now.AddHours(-1)).Json, quote => quote[48 + bodyOffset] ^= 0x01);

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(new NodeVerifierOptions()).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.QuoteRejected));
        Assert.That(ex.Message, Does.Contain($"at {nameof(Attestation.Appraisal.VerificationCheck.QuoteSignature)}"));
    }

    private static NodeVerifier Verifier(NodeVerifierOptions options)
    {
        options.AllowEmulated = true;
        options.RequireRegistration = false;
        options.TrustAnyMeasurement = true;
        return new NodeVerifier(new WorkerClient(GrpcChannel.ForAddress("http://127.0.0.1:1"), ownsChannel: true), options);
    }

    /// <summary>A node's keys and a bundle built as the agent builds it, with the stapled collateral chosen by the test.</summary>
    private sealed class Node : IDisposable
    {
        private readonly EthSigner _signer = EthSigner.Generate();
        private readonly X25519KeyPair _hpke = X25519KeyPair.Generate();

        public (AttestationBundle Bundle, byte[] Nonce) Bundle(string stapledCollateral, Action<byte[]>? tamper = null)
        {
            var log = new RtmrEventLog();
            // As the agent measures itself (these tests are about collateral, so any measurement is trusted).
            AgentMeasurements.Record(log, "0.1.0", SHA256.HashData("the agent build under test"u8),
                [new(MeasuredSettings.Tee, "emulated"), new(MeasuredSettings.ComputeBackend, "cpu")]);
            var reportData = ReportDataBinding.Compute(_signer.Address.AsSpan(), _hpke.PublicKey, new byte[32]);
            var quote = Tee.Value.CreateQuote(reportData, EmulatedTdMeasurements.Default.WithRtmr(3, log.CurrentValue.Span));
            tamper?.Invoke(quote);
            var nonce = RandomNumberGenerator.GetBytes(32);
            var bundle = new AttestationBundle
            {
                TeeType = TeeType.EmulatedTdx,
                Quote = ByteString.CopyFrom(quote),
                NodeAddress = ByteString.CopyFrom(_signer.Address.AsSpan()),
                HpkePublicKey = ByteString.CopyFrom(_hpke.PublicKey),
                ReportDataVersion = 1,
                AgentVersion = "0.1.0",
                GpuEvidenceDigest = ByteString.CopyFrom(new byte[32]),
                Nonce = ByteString.CopyFrom(nonce),
                NonceSignature = ByteString.CopyFrom(_signer.SignHash(NonceDigest.Compute(nonce, Keccak256.Hash(quote))).ToBytes65()),
                ComputeBackend = "cpu",
                Collateral = stapledCollateral,
            };
            foreach (var e in log.Events)
            {
                bundle.EventLog.Add(new MeasurementEvent { RtmrIndex = (uint)e.RtmrIndex, EventType = e.EventType, EventData = ByteString.CopyFrom(e.EventData), Digest = ByteString.CopyFrom(e.Digest) });
            }

            return (bundle, nonce);
        }

        public void Dispose()
        {
            _signer.Dispose();
            _hpke.Dispose();
        }
    }
}
