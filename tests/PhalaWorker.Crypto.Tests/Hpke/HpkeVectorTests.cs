using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Crypto.Keys;
using HpkeApi = PhalaWorker.Crypto.Hpke.Hpke;

namespace PhalaWorker.Crypto.Tests.Hpke;

/// <summary>RFC 9180 Appendix A.1/A.2 vectors: every intermediate value, every ciphertext, every export, all four modes.</summary>
[TestFixture]
public sealed class HpkeVectorTests
{
    [Test]
    public void VectorFile_Loaded_HoldsEightX25519Vectors()
    {
        var vectors = HpkeVector.All().Select(c => (HpkeVector)c.Arguments[0]!).ToList();

        Assert.That(vectors, Has.Count.EqualTo(8));
        Assert.That(vectors.Select(v => (v.KemId, v.KdfId)), Is.All.EqualTo((0x20, 1)));
    }

    [TestCaseSource(typeof(HpkeVector), nameof(HpkeVector.All))]
    public void DeriveKeyPair_RfcVector_ReproducesKeys(HpkeVector vector)
    {
        AssertDerived(vector.IkmE, vector.SkEm, vector.PkEm);
        AssertDerived(vector.IkmR, vector.SkRm, vector.PkRm);
        if (vector.IsAuth)
        {
            AssertDerived(vector.IkmS, vector.SkSm, vector.PkSm);
        }
    }

    [TestCaseSource(typeof(HpkeVector), nameof(HpkeVector.All))]
    public void Encap_RfcVector_ReproducesEncAndSharedSecret(HpkeVector vector)
    {
        using X25519KeyPair? sender = vector.IsAuth ? X25519KeyPair.FromPrivateKey(vector.SkSm) : null;
        var enc = new byte[32];
        var sharedSecret = new byte[32];

        DhkemX25519.Encap(vector.PkRm, vector.SkEm, sender, enc, sharedSecret);

        Assert.That(enc, Is.EqualTo(vector.Enc));
        Assert.That(sharedSecret, Is.EqualTo(vector.SharedSecret));
    }

    [TestCaseSource(typeof(HpkeVector), nameof(HpkeVector.All))]
    public void Decap_RfcVector_ReproducesSharedSecret(HpkeVector vector)
    {
        using X25519KeyPair recipient = X25519KeyPair.FromPrivateKey(vector.SkRm);
        var sharedSecret = new byte[32];

        DhkemX25519.Decap(vector.Enc, recipient, vector.IsAuth ? vector.PkSm : [], vector.IsAuth, sharedSecret);

        Assert.That(sharedSecret, Is.EqualTo(vector.SharedSecret));
    }

    [TestCaseSource(typeof(HpkeVector), nameof(HpkeVector.All))]
    public void KeySchedule_RfcVector_ReproducesKeyNonceAndExporterSecret(HpkeVector vector)
    {
        using HpkeContext context = HpkeKeySchedule.Derive(vector.Mode, vector.Aead, vector.SharedSecret, vector.Info, vector.Psk, vector.PskId);

        Assert.Multiple(() =>
        {
            Assert.That(context.Key.ToArray(), Is.EqualTo(vector.Key));
            Assert.That(context.BaseNonce.ToArray(), Is.EqualTo(vector.BaseNonce));
            Assert.That(context.ExporterSecret.ToArray(), Is.EqualTo(vector.ExporterSecret));
        });
    }

    [TestCaseSource(typeof(HpkeVector), nameof(HpkeVector.All))]
    public void SetupSender_RfcVector_SealsEveryCiphertextAndExport(HpkeVector vector)
    {
        var ephemeral = new byte[32];
        DhkemX25519.DeriveSecretKey(vector.IkmE, ephemeral);
        using X25519KeyPair? sender = vector.IsAuth ? DhkemX25519.DeriveKeyPair(vector.IkmS) : null;
        var enc = new byte[32];

        using HpkeContext context = HpkeApi.SetupSender(vector.Mode, vector.Aead, vector.PkRm, vector.Info, enc, vector.Psk, vector.PskId, sender, ephemeral);

        Assert.That(enc, Is.EqualTo(vector.Enc));
        Assert.Multiple(() =>
        {
            foreach (HpkeVector.Encryption encryption in vector.Encryptions)
            {
                context.SequenceNumber = encryption.SequenceNumber;
                byte[] ciphertext = context.Seal(encryption.Aad, encryption.Plaintext);
                Assert.That(ciphertext, Is.EqualTo(encryption.Ciphertext), $"sequence {encryption.SequenceNumber}");
                Assert.That(context.SequenceNumber, Is.EqualTo(encryption.SequenceNumber + 1));
            }

            AssertExports(vector, context);
        });
    }

    [TestCaseSource(typeof(HpkeVector), nameof(HpkeVector.All))]
    public void SetupRecipient_RfcVector_OpensEveryCiphertextAndExport(HpkeVector vector)
    {
        using X25519KeyPair recipient = DhkemX25519.DeriveKeyPair(vector.IkmR);

        using HpkeContext context = HpkeApi.SetupRecipient(vector.Mode, vector.Aead, recipient, vector.Enc, vector.Info, vector.Psk, vector.PskId, vector.IsAuth ? vector.PkSm : []);

        Assert.Multiple(() =>
        {
            foreach (HpkeVector.Encryption encryption in vector.Encryptions)
            {
                context.SequenceNumber = encryption.SequenceNumber;
                byte[] plaintext = context.Open(encryption.Aad, encryption.Ciphertext);
                Assert.That(plaintext, Is.EqualTo(encryption.Plaintext), $"sequence {encryption.SequenceNumber}");
            }

            AssertExports(vector, context);
        });
    }

    [TestCaseSource(typeof(HpkeVector), nameof(HpkeVector.All))]
    public void SetupSender_ConsecutiveMessages_UsesSequenceNumberedNonces(HpkeVector vector)
    {
        var ephemeral = new byte[32];
        DhkemX25519.DeriveSecretKey(vector.IkmE, ephemeral);
        using X25519KeyPair? sender = vector.IsAuth ? DhkemX25519.DeriveKeyPair(vector.IkmS) : null;
        var enc = new byte[32];
        using HpkeContext context = HpkeApi.SetupSender(vector.Mode, vector.Aead, vector.PkRm, vector.Info, enc, vector.Psk, vector.PskId, sender, ephemeral);
        HpkeVector.Encryption first = vector.Encryptions[0];
        HpkeVector.Encryption second = vector.Encryptions[1];

        byte[] firstCiphertext = context.Seal(first.Aad, first.Plaintext);
        byte[] secondCiphertext = context.Seal(second.Aad, second.Plaintext);

        Assert.That(firstCiphertext, Is.EqualTo(first.Ciphertext));
        Assert.That(secondCiphertext, Is.EqualTo(second.Ciphertext));
    }

    private static void AssertExports(HpkeVector vector, HpkeContext context)
    {
        foreach (HpkeVector.Export export in vector.Exports)
        {
            Assert.That(context.Export(export.Context, export.Length), Is.EqualTo(export.Value), $"export context {Convert.ToHexString(export.Context)}");
        }
    }

    private static void AssertDerived(byte[] ikm, byte[] expectedSecretKey, byte[] expectedPublicKey)
    {
        var secretKey = new byte[32];
        DhkemX25519.DeriveSecretKey(ikm, secretKey);
        using X25519KeyPair pair = DhkemX25519.DeriveKeyPair(ikm);

        Assert.That(secretKey, Is.EqualTo(expectedSecretKey));
        Assert.That(pair.PublicKey, Is.EqualTo(expectedPublicKey));
    }
}
