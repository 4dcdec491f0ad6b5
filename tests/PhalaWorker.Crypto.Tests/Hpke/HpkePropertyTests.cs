using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Crypto.Keys;
using HpkeApi = PhalaWorker.Crypto.Hpke.Hpke;
using PropertyAttribute = FsCheck.NUnit.PropertyAttribute;

// NUnit1027 does not know that FsCheck's [Property] supplies the arguments.
#pragma warning disable NUnit1027

namespace PhalaWorker.Crypto.Tests.Hpke;

/// <summary>Seeded FsCheck properties: seal→open round trips for every AEAD, and any bit flip is caught.</summary>
[TestFixture]
public sealed class HpkePropertyTests
{
    private const string Seed = "(20261123,4242424243)";

    private X25519KeyPair _recipient = null!;

    [OneTimeSetUp]
    public void CreateRecipient() => _recipient = X25519KeyPair.Generate();

    [OneTimeTearDown]
    public void DisposeRecipient() => _recipient.Dispose();

    [Property(Replay = Seed, MaxTest = 60)]
    public bool SealThenOpen_AnyInputAes128Gcm_RoundTrips(byte[]? plaintext, byte[]? info, byte[]? aad) => RoundTrips(HpkeAead.Aes128Gcm, plaintext, info, aad);

    [Property(Replay = Seed, MaxTest = 60)]
    public bool SealThenOpen_AnyInputAes256Gcm_RoundTrips(byte[]? plaintext, byte[]? info, byte[]? aad) => RoundTrips(HpkeAead.Aes256Gcm, plaintext, info, aad);

    [Property(Replay = Seed, MaxTest = 60)]
    public bool SealThenOpen_AnyInputChaCha20Poly1305_RoundTrips(byte[]? plaintext, byte[]? info, byte[]? aad) => RoundTrips(HpkeAead.ChaCha20Poly1305, plaintext, info, aad);

    [Property(Replay = Seed, MaxTest = 40)]
    public bool Open_AnySingleBitFlipInCiphertext_FailsDecryption(byte[]? plaintext, uint position)
    {
        plaintext ??= [];
        HpkeSealed sealedMessage = HpkeApi.Seal(_recipient.PublicKeySpan, "info"u8, "aad"u8, plaintext);
        int bit = (int)(position % (uint)(sealedMessage.Ciphertext.Length * 8));
        sealedMessage.Ciphertext[bit / 8] ^= (byte)(1 << (bit % 8));

        var exception = Assert.Throws<CryptoException>(() =>
            HpkeApi.Open(_recipient, sealedMessage.Enc, "info"u8, "aad"u8, sealedMessage.Ciphertext, HpkeAead.ChaCha20Poly1305));
        return exception.Reason == CryptoErrorReason.DecryptionFailed;
    }

    private bool RoundTrips(HpkeAead aead, byte[]? plaintext, byte[]? info, byte[]? aad)
    {
        plaintext ??= [];
        info ??= [];
        aad ??= [];
        HpkeSealed sealedMessage = HpkeApi.Seal(_recipient.PublicKeySpan, info, aad, plaintext, aead);
        byte[] opened = HpkeApi.Open(_recipient, sealedMessage.Enc, info, aad, sealedMessage.Ciphertext, aead);
        return sealedMessage.Enc.Length == 32
            && sealedMessage.Ciphertext.Length == plaintext.Length + 16
            && opened.AsSpan().SequenceEqual(plaintext);
    }
}
