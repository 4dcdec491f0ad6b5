using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Crypto.Keys;
using HpkeApi = PhalaWorker.Crypto.Hpke.Hpke;

namespace PhalaWorker.Crypto.Tests.Hpke;

[TestFixture]
public sealed class HpkeTests
{
    private static readonly HpkeAead[] Aeads = [HpkeAead.Aes128Gcm, HpkeAead.Aes256Gcm, HpkeAead.ChaCha20Poly1305];

    private X25519KeyPair _recipient = null!;

    [OneTimeSetUp]
    public void CreateRecipient() => _recipient = X25519KeyPair.Generate();

    [OneTimeTearDown]
    public void DisposeRecipient() => _recipient.Dispose();

    [TestCaseSource(nameof(Aeads))]
    public void Seal_SamePlaintextTwice_UsesFreshEphemeralKeys(HpkeAead aead)
    {
        HpkeSealed first = HpkeApi.Seal(_recipient.PublicKeySpan, [], [], "same"u8, aead);
        HpkeSealed second = HpkeApi.Seal(_recipient.PublicKeySpan, [], [], "same"u8, aead);

        Assert.That(first.Enc, Is.Not.EqualTo(second.Enc));
        Assert.That(first.Ciphertext, Is.Not.EqualTo(second.Ciphertext));
        Assert.That(first.Ciphertext, Has.Length.EqualTo(4 + 16));
    }

    [Test]
    public void Seal_DefaultAead_IsChaCha20Poly1305()
    {
        HpkeSealed sealedMessage = HpkeApi.Seal(_recipient.PublicKeySpan, "i"u8, "a"u8, "p"u8);

        Assert.That(HpkeApi.Open(_recipient, sealedMessage.Enc, "i"u8, "a"u8, sealedMessage.Ciphertext, HpkeAead.ChaCha20Poly1305), Is.EqualTo("p"u8.ToArray()));
    }

    [TestCase(HpkeAead.Aes128Gcm, HpkeAead.ChaCha20Poly1305)]
    [TestCase(HpkeAead.Aes256Gcm, HpkeAead.Aes128Gcm)]
    [TestCase(HpkeAead.ChaCha20Poly1305, HpkeAead.Aes256Gcm)]
    public void Open_WrongAead_ThrowsDecryptionFailed(HpkeAead sealedWith, HpkeAead openedWith)
    {
        HpkeSealed sealedMessage = HpkeApi.Seal(_recipient.PublicKeySpan, [], [], "job"u8, sealedWith);

        AssertReason(() => HpkeApi.Open(_recipient, sealedMessage.Enc, [], [], sealedMessage.Ciphertext, openedWith), CryptoErrorReason.DecryptionFailed);
    }

    [TestCase((ushort)0)]
    [TestCase((ushort)4)]
    [TestCase((ushort)0xFFFF)]
    public void SealAndOpen_UndefinedAeadId_ThrowUnsupportedAead(ushort aeadId)
    {
        HpkeSealed sealedMessage = HpkeApi.Seal(_recipient.PublicKeySpan, [], [], "job"u8);

        AssertReason(() => HpkeApi.Seal(_recipient.PublicKeySpan, [], [], "job"u8, (HpkeAead)aeadId), CryptoErrorReason.UnsupportedAead);
        AssertReason(() => HpkeApi.Open(_recipient, sealedMessage.Enc, [], [], sealedMessage.Ciphertext, (HpkeAead)aeadId), CryptoErrorReason.UnsupportedAead);
    }

    [Test]
    public void Open_WrongRecipientKey_ThrowsDecryptionFailed()
    {
        using X25519KeyPair other = X25519KeyPair.Generate();
        HpkeSealed sealedMessage = HpkeApi.Seal(_recipient.PublicKeySpan, [], [], "job"u8);

        AssertReason(() => HpkeApi.Open(other, sealedMessage.Enc, [], [], sealedMessage.Ciphertext, HpkeAead.ChaCha20Poly1305), CryptoErrorReason.DecryptionFailed);
    }

    [TestCase(0)]
    [TestCase(15)]
    [TestCase(31)]
    public void Open_FlippedEncByte_ThrowsDecryptionFailed(int index)
    {
        HpkeSealed sealedMessage = HpkeApi.Seal(_recipient.PublicKeySpan, [], [], "job"u8);
        sealedMessage.Enc[index] ^= 0x01;

        AssertReason(() => HpkeApi.Open(_recipient, sealedMessage.Enc, [], [], sealedMessage.Ciphertext, HpkeAead.ChaCha20Poly1305), CryptoErrorReason.DecryptionFailed);
    }

    [Test]
    public void Open_EncHighBitFlipped_ThrowsDecryptionFailed()
    {
        // X25519 ignores the top bit of u, but enc is bound verbatim into kem_context, so the message still fails.
        HpkeSealed sealedMessage = HpkeApi.Seal(_recipient.PublicKeySpan, [], [], "job"u8);
        sealedMessage.Enc[31] ^= 0x80;

        AssertReason(() => HpkeApi.Open(_recipient, sealedMessage.Enc, [], [], sealedMessage.Ciphertext, HpkeAead.ChaCha20Poly1305), CryptoErrorReason.DecryptionFailed);
    }

    [TestCase(0)]
    [TestCase(31)]
    [TestCase(33)]
    public void Open_EncWrongLength_ThrowsInvalidEncapsulatedKey(int length)
    {
        HpkeSealed sealedMessage = HpkeApi.Seal(_recipient.PublicKeySpan, [], [], "job"u8);

        AssertReason(() => HpkeApi.Open(_recipient, new byte[length], [], [], sealedMessage.Ciphertext, HpkeAead.ChaCha20Poly1305), CryptoErrorReason.InvalidEncapsulatedKey);
    }

    [TestCaseSource(nameof(SmallOrderPoints))]
    public void Open_SmallOrderEnc_ThrowsInvalidEncapsulatedKey(byte[] point)
    {
        HpkeSealed sealedMessage = HpkeApi.Seal(_recipient.PublicKeySpan, [], [], "job"u8);

        AssertReason(() => HpkeApi.Open(_recipient, point, [], [], sealedMessage.Ciphertext, HpkeAead.ChaCha20Poly1305), CryptoErrorReason.InvalidEncapsulatedKey);
    }

    [TestCaseSource(nameof(SmallOrderPoints))]
    public void Seal_SmallOrderRecipientKey_ThrowsInvalidPublicKey(byte[] point) =>
        AssertReason(() => HpkeApi.Seal(point, [], [], "job"u8), CryptoErrorReason.InvalidPublicKey);

    [TestCase(0)]
    [TestCase(31)]
    [TestCase(64)]
    public void Seal_RecipientKeyWrongLength_ThrowsInvalidPublicKey(int length) =>
        AssertReason(() => HpkeApi.Seal(new byte[length], [], [], "job"u8), CryptoErrorReason.InvalidPublicKey);

    [TestCase(0)]
    [TestCase(15)]
    public void Open_CiphertextShorterThanTag_ThrowsCiphertextTooShort(int length)
    {
        HpkeSealed sealedMessage = HpkeApi.Seal(_recipient.PublicKeySpan, [], [], "job"u8);

        AssertReason(() => HpkeApi.Open(_recipient, sealedMessage.Enc, [], [], sealedMessage.Ciphertext.AsSpan(0, length), HpkeAead.ChaCha20Poly1305), CryptoErrorReason.CiphertextTooShort);
    }

    [Test]
    public void Open_TruncatedByOneByte_ThrowsDecryptionFailed()
    {
        HpkeSealed sealedMessage = HpkeApi.Seal(_recipient.PublicKeySpan, [], [], "job"u8);

        AssertReason(() => HpkeApi.Open(_recipient, sealedMessage.Enc, [], [], sealedMessage.Ciphertext.AsSpan(0, sealedMessage.Ciphertext.Length - 1), HpkeAead.ChaCha20Poly1305), CryptoErrorReason.DecryptionFailed);
    }

    [Test]
    public void Open_WrongInfoOrAad_ThrowsDecryptionFailed()
    {
        HpkeSealed sealedMessage = HpkeApi.Seal(_recipient.PublicKeySpan, "info"u8, "aad"u8, "job"u8);

        AssertReason(() => HpkeApi.Open(_recipient, sealedMessage.Enc, "infO"u8, "aad"u8, sealedMessage.Ciphertext, HpkeAead.ChaCha20Poly1305), CryptoErrorReason.DecryptionFailed);
        AssertReason(() => HpkeApi.Open(_recipient, sealedMessage.Enc, "info"u8, "aaD"u8, sealedMessage.Ciphertext, HpkeAead.ChaCha20Poly1305), CryptoErrorReason.DecryptionFailed);
    }

    [Test]
    public void Open_NullRecipient_ThrowsArgumentNullException() =>
        Assert.Throws<ArgumentNullException>(() => HpkeApi.Open(null!, new byte[32], [], [], new byte[16], HpkeAead.ChaCha20Poly1305));

    [TestCase(0, true, true)]
    [TestCase(0, true, false)]
    [TestCase(1, false, false)]
    [TestCase(1, true, false)]
    [TestCase(1, false, true)]
    [TestCase(2, true, true)]
    [TestCase(3, false, false)]
    public void SetupSender_PskInputsNotMatchingMode_ThrowsInvalidPskInputs(int modeId, bool withPsk, bool withPskId)
    {
        var mode = (HpkeMode)modeId;
        using X25519KeyPair? sender = mode is HpkeMode.Auth or HpkeMode.AuthPsk ? X25519KeyPair.Generate() : null;
        byte[] psk = withPsk ? new byte[32] : [];
        byte[] pskId = withPskId ? "id"u8.ToArray() : [];

        AssertReason(() => HpkeApi.SetupSender(mode, HpkeAead.ChaCha20Poly1305, _recipient.PublicKeySpan, [], new byte[32], psk, pskId, sender), CryptoErrorReason.InvalidPskInputs);
    }

    [Test]
    public void SetupSender_AuthModeWithoutSenderKey_ThrowsArgumentException() =>
        Assert.Throws<ArgumentException>(() => HpkeApi.SetupSender(HpkeMode.Auth, HpkeAead.ChaCha20Poly1305, _recipient.PublicKeySpan, [], new byte[32]));

    [Test]
    public void SetupRecipient_AuthModeWrongSender_FailsDecryption()
    {
        using X25519KeyPair sender = X25519KeyPair.Generate();
        using X25519KeyPair impostor = X25519KeyPair.Generate();
        var enc = new byte[32];
        using HpkeContext senderContext = HpkeApi.SetupSender(HpkeMode.Auth, HpkeAead.Aes256Gcm, _recipient.PublicKeySpan, "i"u8, enc, sender: sender);
        byte[] ciphertext = senderContext.Seal("a"u8, "hello"u8);

        using HpkeContext genuine = HpkeApi.SetupRecipient(HpkeMode.Auth, HpkeAead.Aes256Gcm, _recipient, enc, "i"u8, senderPublicKey: sender.PublicKeySpan);
        using HpkeContext forged = HpkeApi.SetupRecipient(HpkeMode.Auth, HpkeAead.Aes256Gcm, _recipient, enc, "i"u8, senderPublicKey: impostor.PublicKeySpan);

        Assert.That(genuine.Open("a"u8, ciphertext), Is.EqualTo("hello"u8.ToArray()));
        AssertReason(() => forged.Open("a"u8, ciphertext), CryptoErrorReason.DecryptionFailed);
    }

    [TestCaseSource(nameof(Aeads))]
    public void Context_ManyMessagesAllModes_OpenInOrder(HpkeAead aead)
    {
        using X25519KeyPair sender = X25519KeyPair.Generate();
        byte[] psk = new byte[32];
        psk[0] = 7;
        var enc = new byte[32];
        using HpkeContext senderContext = HpkeApi.SetupSender(HpkeMode.AuthPsk, aead, _recipient.PublicKeySpan, "i"u8, enc, psk, "id"u8, sender);
        using HpkeContext recipientContext = HpkeApi.SetupRecipient(HpkeMode.AuthPsk, aead, _recipient, enc, "i"u8, psk, "id"u8, sender.PublicKeySpan);

        for (int i = 0; i < 5; i++)
        {
            byte[] message = [(byte)i, 1, 2, 3];
            byte[] ciphertext = senderContext.Seal([(byte)i], message);
            Assert.That(recipientContext.Open([(byte)i], ciphertext), Is.EqualTo(message));
        }

        Assert.That(recipientContext.Export("ctx"u8, 64), Is.EqualTo(senderContext.Export("ctx"u8, 64)));
    }

    [Test]
    public void Context_OpenOutOfOrder_ThrowsDecryptionFailed()
    {
        var enc = new byte[32];
        using HpkeContext senderContext = HpkeApi.SetupSender(HpkeMode.Base, HpkeAead.ChaCha20Poly1305, _recipient.PublicKeySpan, [], enc);
        using HpkeContext recipientContext = HpkeApi.SetupRecipient(HpkeMode.Base, HpkeAead.ChaCha20Poly1305, _recipient, enc, []);
        senderContext.Seal([], "first"u8);
        byte[] second = senderContext.Seal([], "second"u8);

        AssertReason(() => recipientContext.Open([], second), CryptoErrorReason.DecryptionFailed);
    }

    [Test]
    public void Context_SequenceExhausted_ThrowsMessageLimitReached()
    {
        var enc = new byte[32];
        using HpkeContext context = HpkeApi.SetupSender(HpkeMode.Base, HpkeAead.ChaCha20Poly1305, _recipient.PublicKeySpan, [], enc);
        context.SequenceNumber = ulong.MaxValue;

        AssertReason(() => context.Seal([], "x"u8), CryptoErrorReason.MessageLimitReached);
    }

    [Test]
    public void Export_LengthOver255Blocks_ThrowsExportLengthTooLarge()
    {
        var enc = new byte[32];
        using HpkeContext context = HpkeApi.SetupSender(HpkeMode.Base, HpkeAead.ChaCha20Poly1305, _recipient.PublicKeySpan, [], enc);

        Assert.That(context.Export([], 255 * 32), Has.Length.EqualTo(255 * 32));
        AssertReason(() => context.Export([], 255 * 32 + 1), CryptoErrorReason.ExportLengthTooLarge);
    }

    [Test]
    public void Context_Disposed_ThrowsObjectDisposedException()
    {
        var enc = new byte[32];
        HpkeContext context = HpkeApi.SetupSender(HpkeMode.Base, HpkeAead.Aes128Gcm, _recipient.PublicKeySpan, [], enc);
        context.Dispose();

        Assert.Throws<ObjectDisposedException>(() => context.Seal([], "x"u8));
        Assert.That(context.Key.ToArray(), Is.All.EqualTo(0));
    }

    [Test]
    public void SealAndOpen_LargeInfoAndAad_RoundTrips()
    {
        // Exercises the pooled-buffer path of LabeledExtract (info above the stack limit).
        byte[] info = new byte[5000];
        byte[] aad = new byte[70000];
        info[4999] = 1;
        byte[] plaintext = new byte[1 << 20];
        plaintext[12345] = 9;

        HpkeSealed sealedMessage = HpkeApi.Seal(_recipient.PublicKeySpan, info, aad, plaintext, HpkeAead.Aes256Gcm);

        byte[] opened = HpkeApi.Open(_recipient, sealedMessage.Enc, info, aad, sealedMessage.Ciphertext, HpkeAead.Aes256Gcm);

        Assert.That(opened.AsSpan().SequenceEqual(plaintext), Is.True);
    }

    [Test]
    public void Open_ConcurrentCallsWithOneKey_AllRoundTrip()
    {
        // The node opens jobs on several workers with the same key pair.
        HpkeSealed[] messages = [.. Enumerable.Range(0, 64).Select(i => HpkeApi.Seal(_recipient.PublicKeySpan, "i"u8, [(byte)i], [(byte)i, 42]))];
        var opened = new byte[messages.Length][];

        Parallel.For(0, messages.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            opened[i] = HpkeApi.Open(_recipient, messages[i].Enc, "i"u8, [(byte)i], messages[i].Ciphertext, HpkeAead.ChaCha20Poly1305));

        Assert.That(opened.Select((plaintext, i) => plaintext[0] == i && plaintext[1] == 42), Is.All.True);
    }

    /// <summary>Curve25519 points of small order (RFC 7748 §7 / libsodium blocklist) for which X25519 yields zero.</summary>
    private static IEnumerable<byte[]> SmallOrderPoints()
    {
        yield return new byte[32];
        byte[] one = new byte[32];
        one[0] = 1;
        yield return one;
        yield return Convert.FromHexString("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
        yield return Convert.FromHexString("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157");
        yield return Convert.FromHexString("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    }

    private static void AssertReason(TestDelegate action, CryptoErrorReason reason)
    {
        var exception = Assert.Throws<CryptoException>(action);
        Assert.That(exception!.Reason, Is.EqualTo(reason), exception.Message);
    }
}
