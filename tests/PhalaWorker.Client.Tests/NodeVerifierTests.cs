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
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Client.Tests;

/// <summary>
/// <see cref="NodeVerifier.VerifyBundle(AttestationBundle, ReadOnlySpan{byte})"/> on bundles built here exactly as the agent builds them (emulated TEE from the
/// well-known seed, real keys, real quote), and on each way such a bundle can lie.
/// </summary>
public sealed class NodeVerifierTests
{
    private static readonly byte[] BuildDigest = SHA256.HashData("the agent build under test"u8);

    private static readonly KeyValuePair<string, string>[] Settings =
        [new(MeasuredSettings.Tee, "emulated"), new(MeasuredSettings.ComputeBackend, "cpu"), new(MeasuredSettings.LogLevel, "Information")];

    private static readonly Lazy<EmulatedTee> Tee = new(() =>
        EmulatedTee.FromSeed(Encoding.ASCII.GetBytes(new NodeVerifierOptions().EmulationSeed), TimeProvider.System.GetUtcNow()));

    private EthSigner _signer = null!;
    private X25519KeyPair _hpke = null!;

    [SetUp]
    public void SetUp()
    {
        _signer = EthSigner.Generate();
        _hpke = X25519KeyPair.Generate();
    }

    [TearDown]
    public void TearDown()
    {
        _signer.Dispose();
        _hpke.Dispose();
    }

    [Test]
    public void VerifyBundle_Honest_Verified()
    {
        var (bundle, nonce) = Bundle();

        var node = Verifier(allowEmulated: true).VerifyBundle(bundle, nonce);

        Assert.That(node.Address, Is.EqualTo(_signer.Address));
        Assert.That(node.HpkePublicKey, Is.EqualTo(_hpke.PublicKey));
        Assert.That(node.IsEmulated, Is.True);
        Assert.That(node.Appraisal.Valid, Is.True);
        Assert.That(node.QuoteHash, Is.EqualTo(Keccak256.Hash(bundle.Quote.Span)));
    }

    [Test]
    public void VerifyBundle_EmulatedNotAllowed_Refused()
    {
        var (bundle, nonce) = Bundle();

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(allowEmulated: false).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.EmulatedNotAllowed));
    }

    [Test]
    public void VerifyBundle_EmulatedQuoteClaimingTdx_QuoteRejected()
    {
        var (bundle, nonce) = Bundle();
        bundle.TeeType = TeeType.Tdx;

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(allowEmulated: true).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.QuoteRejected), "an emulated root is never trusted as Intel's");
    }

    [Test]
    public void VerifyBundle_OtherHpkeKey_BindingMismatch()
    {
        var (bundle, nonce) = Bundle();
        using var other = X25519KeyPair.Generate();
        bundle.HpkePublicKey = ByteString.CopyFrom(other.PublicKey);

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(allowEmulated: true).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.BindingMismatch));
    }

    [Test]
    public void VerifyBundle_GpuEvidenceNotTheBoundOne_BindingMismatch()
    {
        var (bundle, nonce) = Bundle();
        bundle.GpuEvidence = ByteString.CopyFromUtf8("evidence the quote never bound");

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(allowEmulated: true).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.BindingMismatch));
        Assert.That(ex.Message, Does.Contain("GPU evidence"));
    }

    [Test]
    public void VerifyBundle_SignedByAnotherKey_NonceSignatureInvalid()
    {
        var (bundle, nonce) = Bundle();
        using var impostor = EthSigner.Generate();
        bundle.NonceSignature = ByteString.CopyFrom(impostor.SignHash(AttestationNonceSignature.Hash(nonce, Keccak256.Hash(bundle.Quote.Span))).ToBytes65());

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(allowEmulated: true).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.NonceSignatureInvalid));
    }

    [Test]
    public void VerifyBundle_EventLogDoesNotReplay_QuoteRejected()
    {
        var (bundle, nonce) = Bundle();
        var forged = RtmrEvent.Create(3, RtmrEvent.AgentVersionType, "9.9.9");
        bundle.EventLog[0] = new MeasurementEvent { RtmrIndex = 3, EventType = forged.EventType, EventData = ByteString.CopyFrom(forged.EventData), Digest = ByteString.CopyFrom(forged.Digest) };

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(allowEmulated: true).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.QuoteRejected));
    }

    [Test]
    public void VerifyBundle_TruncatedQuote_MalformedOrRejected()
    {
        var (bundle, nonce) = Bundle();
        var quote = bundle.Quote.Span[..100].ToArray();
        bundle.Quote = ByteString.CopyFrom(quote);
        bundle.NonceSignature = ByteString.CopyFrom(_signer.SignHash(AttestationNonceSignature.Hash(nonce, Keccak256.Hash(quote))).ToBytes65());

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(allowEmulated: true).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.MalformedAttestation));
        Assert.That(ex.IsVerificationFailure, Is.True);
    }

    [Test]
    public void VerifyBundle_ExpectedOtherRegistry_RegistrationMismatch()
    {
        var (bundle, nonce) = Bundle();
        var verifier = new NodeVerifier(Client(), new NodeVerifierOptions
        {
            AllowEmulated = true,
            RequireRegistration = false,
            ExpectedRegistry = EthAddress.Parse("0x000000000000000000000000000000000000dEaD"),
            AcceptedMeasurements = [Reference()],
        });

        var ex = Assert.Throws<WorkerClientException>(() => verifier.VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.RegistrationMismatch));
    }

    [Test]
    public void VerifyBundle_MatchingProfile_AcceptedNamingIt()
    {
        var (bundle, nonce) = Bundle();

        var node = Verifier(allowEmulated: true).VerifyBundle(bundle, nonce);

        Assert.That(node.AcceptedProfile!.Name, Is.EqualTo("reference"));
        Assert.That(node.Agent!.Settings[MeasuredSettings.ComputeBackend], Is.EqualTo("cpu"));
    }

    [TestCase("RTMR0")]
    [TestCase("event agent-digest")]
    [TestCase("setting compute.backend")]
    [TestCase("setting compute.max-nodes")]
    public void VerifyBundle_ProfileDiffers_MeasurementRejectedNamingWhat(string what)
    {
        var (bundle, nonce) = Bundle();
        var profile = what switch
        {
            "RTMR0" => Reference() with { Rtmr0 = new byte[48] },
            "event agent-digest" => Reference() with { AgentDigest = new byte[32] },
            "setting compute.backend" => Reference() with { RequiredSettings = new Dictionary<string, string> { [MeasuredSettings.ComputeBackend] = "cuda" } },
            _ => Reference() with { RequiredSettings = new Dictionary<string, string> { [MeasuredSettings.MaxNodes] = "10000" } },
        };
        var verifier = new NodeVerifier(Client(), new NodeVerifierOptions { AllowEmulated = true, RequireRegistration = false, AcceptedMeasurements = [profile] });

        var ex = Assert.Throws<WorkerClientException>(() => verifier.VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.MeasurementRejected));
        Assert.That(ex.Message, Does.Contain($"profile 'reference': {what} expected"));
    }

    [Test]
    public void VerifyBundle_SettingMeasuredTwice_MeasurementRejected()
    {
        var (bundle, nonce) = Bundle(extraEvents: [RtmrEvent.Create(3, RtmrEvent.SettingType, "compute.backend=cuda")]);

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(allowEmulated: true).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.MeasurementRejected));
        Assert.That(ex.Message, Does.Contain("measures setting 'compute.backend' a second time"));
    }

    [Test]
    public void VerifyBundle_UnknownEventType_MeasurementRejected()
    {
        var (bundle, nonce) = Bundle(extraEvents: [RtmrEvent.Create(3, "config-digest", "sha256:00")]);

        var ex = Assert.Throws<WorkerClientException>(() => new NodeVerifier(Client(), new NodeVerifierOptions
        {
            AllowEmulated = true,
            RequireRegistration = false,
            TrustAnyMeasurement = true,
        }).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.MeasurementRejected), "even trusting any measurement, the log must be an agent log");
        Assert.That(ex.Message, Does.Contain("config-digest"));
    }

    [Test]
    public void Default_MaxStapledCollateralAge_IsOneDay()
    {
        Assert.That(new NodeVerifierOptions().MaxStapledCollateralAge, Is.EqualTo(TimeSpan.FromDays(1)));
    }

    [Test]
    public void VerifyBundle_StapledCollateralHoursOld_Accepted()
    {
        var (bundle, nonce) = Bundle(collateral: Tee.Value.CreateCollateral(Now.AddHours(-3)).Json);

        var verified = Verifier(new NodeVerifierOptions()).VerifyBundle(bundle, nonce);

        Assert.That(verified.Appraisal.Valid, Is.True);
    }

    [Test]
    public void VerifyBundle_StapledCollateralTwoDaysOld_RejectedAtCollateralAge()
    {
        var (bundle, nonce) = Bundle(collateral: Tee.Value.CreateCollateral(Now.AddDays(-2)).Json);

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(new NodeVerifierOptions()).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.QuoteRejected));
        Assert.That(ex.Message, Does.Contain(nameof(Attestation.Appraisal.VerificationCheck.CollateralAge)).And.Contain("1.00:00:00"));
    }

    [Test]
    public void VerifyBundle_StapledCollateralTwoDaysOld_AcceptedOnlyWhenTheLimitIsLifted()
    {
        var (bundle, nonce) = Bundle(collateral: Tee.Value.CreateCollateral(Now.AddDays(-2)).Json);

        var verified = Verifier(new NodeVerifierOptions { MaxStapledCollateralAge = null }).VerifyBundle(bundle, nonce);

        Assert.That(verified.Appraisal.Valid, Is.True);
    }

    [Test]
    public void VerifyBundle_CallerCollateralTwoDaysOld_JudgedByPolicyOnly()
    {
        var (bundle, nonce) = Bundle(collateral: "");
        var own = QuoteCollateral.FromJson(Tee.Value.CreateCollateral(Now.AddDays(-2)).Json);

        var verified = Verifier(new NodeVerifierOptions { Collateral = own }).VerifyBundle(bundle, nonce);

        Assert.That(verified.Appraisal.Valid, Is.True, "the caller's own collateral is not the host's choice");
    }

    [Test]
    public void VerifyBundle_PolicyStricterThanStapledLimit_PolicyWins()
    {
        var (bundle, nonce) = Bundle(collateral: Tee.Value.CreateCollateral(Now.AddHours(-3)).Json);
        var options = new NodeVerifierOptions { Policy = AttestationPolicy.Strict with { MaxCollateralAge = TimeSpan.FromHours(1) } };

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(options).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Message, Does.Contain(nameof(Attestation.Appraisal.VerificationCheck.CollateralAge)).And.Contain("01:00:00"));
    }

    // Offsets in the TD report body, which starts at byte 48 of the (v4) emulated quote.
    [TestCase(136, TestName = "VerifyBundle_TamperedMrTd_FailsAtQuoteSignature")]
    [TestCase(0, TestName = "VerifyBundle_TamperedTeeTcbSvn_FailsAtQuoteSignature")]
    public void VerifyBundle_TamperedQuote_FailsAtTheDcapQuoteSignature(int bodyOffset)
    {
        // The node key re-signs the nonce over the tampered quote's hash and report_data is untouched, so the nonce
        // signature and the binding both pass: only DCAP's own check can catch it.
        var (bundle, nonce) = Bundle(collateral: Tee.Value.CreateCollateral(Now.AddHours(-1)).Json, tamper: quote => quote[48 + bodyOffset] ^= 0x01);

        var ex = Assert.Throws<WorkerClientException>(() => Verifier(new NodeVerifierOptions()).VerifyBundle(bundle, nonce));

        Assert.That(ex!.Reason, Is.EqualTo(WorkerClientErrorReason.QuoteRejected));
        Assert.That(ex.Message, Does.Contain($"at {nameof(Attestation.Appraisal.VerificationCheck.QuoteSignature)}"));
    }

    // The DCAP step: the host picks which still-signed copy of Intel's collateral the node staples, so by default stapled
    // collateral may be at most a day old, while collateral the caller brings is judged by the policy alone; and a quote
    // changed after signing fails at DCAP's own quote signature even when every check before it is made to pass.
    private static readonly DateTimeOffset Now = TimeProvider.System.GetUtcNow();

    private NodeVerifier Verifier(NodeVerifierOptions options)
    {
        options.AllowEmulated = true;
        options.RequireRegistration = false;
        options.AcceptedMeasurements = [Reference()];
        return new NodeVerifier(Client(), options);
    }

    private NodeVerifier Verifier(bool allowEmulated) =>
        new(Client(), new NodeVerifierOptions { AllowEmulated = allowEmulated, RequireRegistration = false, AcceptedMeasurements = [Reference()] });

    private static MeasurementProfile Reference() => new()
    {
        Name = "reference",
        MrTd = EmulatedTdMeasurements.Default.Mrtd,
        Rtmr0 = EmulatedTdMeasurements.Default.Rtmrs[0],
        Rtmr1 = EmulatedTdMeasurements.Default.Rtmrs[1],
        Rtmr2 = EmulatedTdMeasurements.Default.Rtmrs[2],
        AgentDigest = BuildDigest,
        RequiredSettings = Settings.ToDictionary(p => p.Key, p => p.Value),
    };

    private static WorkerClient Client() => new(GrpcChannel.ForAddress("http://127.0.0.1:1"), ownsChannel: true);

    private (AttestationBundle Bundle, byte[] Nonce) Bundle(RtmrEvent[]? extraEvents = null, string? collateral = null, Action<byte[]>? tamper = null)
    {
        var log = new RtmrEventLog();
        AgentMeasurements.Record(log, "0.1.0", BuildDigest, Settings);
        foreach (var extra in extraEvents ?? [])
        {
            log.Record(extra.EventType, extra.EventData);
        }

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
            ReportDataVersion = ReportDataBinding.Version,
            AgentVersion = "0.1.0",
            GpuEvidenceDigest = ByteString.CopyFrom(new byte[32]),
            Nonce = ByteString.CopyFrom(nonce),
            NonceSignature = ByteString.CopyFrom(_signer.SignHash(AttestationNonceSignature.Hash(nonce, Keccak256.Hash(quote))).ToBytes65()),
            ComputeBackend = "cpu",
            Collateral = collateral ?? Tee.Value.Collateral.Json,
        };
        foreach (var e in log.Events)
        {
            bundle.EventLog.Add(new MeasurementEvent { RtmrIndex = (uint)e.RtmrIndex, EventType = e.EventType, EventData = ByteString.CopyFrom(e.EventData), Digest = ByteString.CopyFrom(e.Digest) });
        }

        return (bundle, nonce);
    }
}
