using System.Text;
using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Crypto.Keys;
using HpkeApi = PhalaWorker.Crypto.Hpke.Hpke;

namespace PhalaWorker.Crypto.Tests.Envelopes;

/// <summary>JobEnvelope and ResultEnvelope: format (info/AAD per PLAN.md), round trip and every tamper case.</summary>
[TestFixture]
public sealed class EnvelopeTests
{
    private static readonly HpkeAead[] Aeads = [HpkeAead.Aes128Gcm, HpkeAead.Aes256Gcm, HpkeAead.ChaCha20Poly1305];

    private static readonly byte[] JobId = Convert.FromHexString("5f1e0a6b9c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b");

    private static readonly byte[] NodeAddress = Convert.FromHexString("f39fd6e51aad88f6f4ce6ab8827279cfffb92266");

    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("serialized JobRequest / JobOutput bytes");

    private X25519KeyPair _key = null!;

    [OneTimeSetUp]
    public void CreateKey() => _key = X25519KeyPair.Generate();

    [OneTimeTearDown]
    public void DisposeKey() => _key.Dispose();

    private static IEnumerable<TestCaseData> KindsAndAeads() =>
        from kind in EnvelopeKind.All from aead in Aeads select new TestCaseData(kind, aead);

    [TestCaseSource(nameof(KindsAndAeads))]
    public void SealThenOpen_SameIds_ReturnsPayload(EnvelopeKind kind, HpkeAead aead)
    {
        HpkeSealed envelope = kind.Seal(_key.PublicKeySpan, JobId, NodeAddress, Payload, aead);

        Assert.That(kind.Open(_key, JobId, NodeAddress, envelope.Enc, envelope.Ciphertext, aead), Is.EqualTo(Payload));
    }

    [TestCaseSource(typeof(EnvelopeKind), nameof(EnvelopeKind.All))]
    public void Seal_Format_IsHpkeBaseWithPlanInfoAndAad(EnvelopeKind kind)
    {
        // Opened with plain HPKE and the info/AAD composed here from the PLAN.md format, independently of the envelope code.
        byte[] info = Encoding.ASCII.GetBytes(kind.Info);
        byte[] aad = [.. info, .. JobId, .. NodeAddress];

        HpkeSealed envelope = kind.Seal(_key.PublicKeySpan, JobId, NodeAddress, Payload, HpkeAead.ChaCha20Poly1305);

        Assert.That(HpkeApi.Open(_key, envelope.Enc, info, aad, envelope.Ciphertext, HpkeAead.ChaCha20Poly1305), Is.EqualTo(Payload));
        Assert.That(envelope.Enc, Has.Length.EqualTo(32));
        Assert.That(envelope.Ciphertext, Has.Length.EqualTo(Payload.Length + 16));
    }

    [Test]
    public void Info_Strings_MatchPlan()
    {
        Assert.That(Encoding.ASCII.GetString(Crypto.Envelopes.JobEnvelope.Info), Is.EqualTo("phala-worker/v1 job"));
        Assert.That(Encoding.ASCII.GetString(Crypto.Envelopes.ResultEnvelope.Info), Is.EqualTo("phala-worker/v1 result"));
    }

    [TestCaseSource(typeof(EnvelopeKind), nameof(EnvelopeKind.All))]
    public void Open_OtherEnvelopeKind_ThrowsDecryptionFailed(EnvelopeKind kind)
    {
        HpkeSealed envelope = kind.Seal(_key.PublicKeySpan, JobId, NodeAddress, Payload, HpkeAead.ChaCha20Poly1305);

        AssertReason(() => kind.Other.Open(_key, JobId, NodeAddress, envelope.Enc, envelope.Ciphertext, HpkeAead.ChaCha20Poly1305), CryptoErrorReason.DecryptionFailed);
    }

    [TestCaseSource(nameof(KindsAndAeads))]
    public void Open_FlippedCiphertextByte_ThrowsDecryptionFailed(EnvelopeKind kind, HpkeAead aead)
    {
        HpkeSealed envelope = kind.Seal(_key.PublicKeySpan, JobId, NodeAddress, Payload, aead);
        envelope.Ciphertext[envelope.Ciphertext.Length / 2] ^= 0x40;

        AssertReason(() => kind.Open(_key, JobId, NodeAddress, envelope.Enc, envelope.Ciphertext, aead), CryptoErrorReason.DecryptionFailed);
    }

    [TestCaseSource(typeof(EnvelopeKind), nameof(EnvelopeKind.All))]
    public void Open_FlippedEncByte_ThrowsDecryptionFailed(EnvelopeKind kind)
    {
        HpkeSealed envelope = kind.Seal(_key.PublicKeySpan, JobId, NodeAddress, Payload, HpkeAead.ChaCha20Poly1305);
        envelope.Enc[7] ^= 0x01;

        AssertReason(() => kind.Open(_key, JobId, NodeAddress, envelope.Enc, envelope.Ciphertext, HpkeAead.ChaCha20Poly1305), CryptoErrorReason.DecryptionFailed);
    }

    [TestCaseSource(typeof(EnvelopeKind), nameof(EnvelopeKind.All))]
    public void Open_WrongRecipientKey_ThrowsDecryptionFailed(EnvelopeKind kind)
    {
        using X25519KeyPair wrongKey = X25519KeyPair.Generate();
        HpkeSealed envelope = kind.Seal(_key.PublicKeySpan, JobId, NodeAddress, Payload, HpkeAead.ChaCha20Poly1305);

        AssertReason(() => kind.Open(wrongKey, JobId, NodeAddress, envelope.Enc, envelope.Ciphertext, HpkeAead.ChaCha20Poly1305), CryptoErrorReason.DecryptionFailed);
    }

    [TestCaseSource(typeof(EnvelopeKind), nameof(EnvelopeKind.All))]
    public void Open_WrongJobId_ThrowsDecryptionFailed(EnvelopeKind kind)
    {
        HpkeSealed envelope = kind.Seal(_key.PublicKeySpan, JobId, NodeAddress, Payload, HpkeAead.ChaCha20Poly1305);
        byte[] otherJobId = (byte[])JobId.Clone();
        otherJobId[31] ^= 0x01;

        AssertReason(() => kind.Open(_key, otherJobId, NodeAddress, envelope.Enc, envelope.Ciphertext, HpkeAead.ChaCha20Poly1305), CryptoErrorReason.DecryptionFailed);
    }

    [TestCaseSource(typeof(EnvelopeKind), nameof(EnvelopeKind.All))]
    public void Open_WrongNodeAddress_ThrowsDecryptionFailed(EnvelopeKind kind)
    {
        HpkeSealed envelope = kind.Seal(_key.PublicKeySpan, JobId, NodeAddress, Payload, HpkeAead.ChaCha20Poly1305);
        byte[] otherAddress = (byte[])NodeAddress.Clone();
        otherAddress[0] ^= 0x80;

        AssertReason(() => kind.Open(_key, JobId, otherAddress, envelope.Enc, envelope.Ciphertext, HpkeAead.ChaCha20Poly1305), CryptoErrorReason.DecryptionFailed);
    }

    [TestCaseSource(typeof(EnvelopeKind), nameof(EnvelopeKind.All))]
    public void Open_WrongAeadId_ThrowsDecryptionFailed(EnvelopeKind kind)
    {
        HpkeSealed envelope = kind.Seal(_key.PublicKeySpan, JobId, NodeAddress, Payload, HpkeAead.ChaCha20Poly1305);

        AssertReason(() => kind.Open(_key, JobId, NodeAddress, envelope.Enc, envelope.Ciphertext, HpkeAead.Aes256Gcm), CryptoErrorReason.DecryptionFailed);
    }

    [TestCaseSource(typeof(EnvelopeKind), nameof(EnvelopeKind.All))]
    public void Open_UnknownAeadId_ThrowsUnsupportedAead(EnvelopeKind kind)
    {
        HpkeSealed envelope = kind.Seal(_key.PublicKeySpan, JobId, NodeAddress, Payload, HpkeAead.ChaCha20Poly1305);

        AssertReason(() => kind.Open(_key, JobId, NodeAddress, envelope.Enc, envelope.Ciphertext, (HpkeAead)7), CryptoErrorReason.UnsupportedAead);
    }

    [TestCaseSource(typeof(EnvelopeKind), nameof(EnvelopeKind.All))]
    public void Open_TruncatedCiphertext_ThrowsDecryptionFailed(EnvelopeKind kind)
    {
        HpkeSealed envelope = kind.Seal(_key.PublicKeySpan, JobId, NodeAddress, Payload, HpkeAead.ChaCha20Poly1305);

        AssertReason(() => kind.Open(_key, JobId, NodeAddress, envelope.Enc, envelope.Ciphertext.AsSpan(0, envelope.Ciphertext.Length - 1), HpkeAead.ChaCha20Poly1305), CryptoErrorReason.DecryptionFailed);
    }

    [TestCaseSource(typeof(EnvelopeKind), nameof(EnvelopeKind.All))]
    public void Open_CiphertextTruncatedBelowTag_ThrowsCiphertextTooShort(EnvelopeKind kind)
    {
        HpkeSealed envelope = kind.Seal(_key.PublicKeySpan, JobId, NodeAddress, Payload, HpkeAead.ChaCha20Poly1305);

        AssertReason(() => kind.Open(_key, JobId, NodeAddress, envelope.Enc, envelope.Ciphertext.AsSpan(0, 10), HpkeAead.ChaCha20Poly1305), CryptoErrorReason.CiphertextTooShort);
    }

    [TestCaseSource(typeof(EnvelopeKind), nameof(EnvelopeKind.All))]
    public void Open_TruncatedEnc_ThrowsInvalidEncapsulatedKey(EnvelopeKind kind)
    {
        HpkeSealed envelope = kind.Seal(_key.PublicKeySpan, JobId, NodeAddress, Payload, HpkeAead.ChaCha20Poly1305);

        AssertReason(() => kind.Open(_key, JobId, NodeAddress, envelope.Enc.AsSpan(0, 31), envelope.Ciphertext, HpkeAead.ChaCha20Poly1305), CryptoErrorReason.InvalidEncapsulatedKey);
    }

    [TestCaseSource(typeof(EnvelopeKind), nameof(EnvelopeKind.All))]
    public void Seal_MalformedRecipientKey_ThrowsInvalidPublicKey(EnvelopeKind kind) =>
        AssertReason(() => kind.Seal(new byte[31], JobId, NodeAddress, Payload, HpkeAead.ChaCha20Poly1305), CryptoErrorReason.InvalidPublicKey);

    [TestCaseSource(nameof(WrongIdLengths))]
    public void SealAndOpen_WrongIdLength_ThrowArgumentException(EnvelopeKind kind, int jobIdLength, int nodeAddressLength, string parameter)
    {
        byte[] jobId = new byte[jobIdLength];
        byte[] nodeAddress = new byte[nodeAddressLength];
        HpkeSealed envelope = kind.Seal(_key.PublicKeySpan, JobId, NodeAddress, Payload, HpkeAead.ChaCha20Poly1305);

        var sealError = Assert.Throws<ArgumentException>(() => kind.Seal(_key.PublicKeySpan, jobId, nodeAddress, Payload, HpkeAead.ChaCha20Poly1305));
        var openError = Assert.Throws<ArgumentException>(() => kind.Open(_key, jobId, nodeAddress, envelope.Enc, envelope.Ciphertext, HpkeAead.ChaCha20Poly1305));

        Assert.That(sealError!.ParamName, Is.EqualTo(parameter));
        Assert.That(openError!.ParamName, Is.EqualTo(parameter));
    }

    private static IEnumerable<TestCaseData> WrongIdLengths() =>
        from kind in EnvelopeKind.All
        from lengths in new[] { (31, 20, "jobId"), (33, 20, "jobId"), (0, 20, "jobId"), (32, 19, "nodeAddress"), (32, 32, "nodeAddress") }
        select new TestCaseData(kind, lengths.Item1, lengths.Item2, lengths.Item3);

    private static void AssertReason(TestDelegate action, CryptoErrorReason reason)
    {
        var exception = Assert.Throws<CryptoException>(action);
        Assert.That(exception!.Reason, Is.EqualTo(reason), exception.Message);
    }
}
