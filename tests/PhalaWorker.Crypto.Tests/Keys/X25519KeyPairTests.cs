using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Crypto.Tests.Keys;

[TestFixture]
public sealed class X25519KeyPairTests
{
    // RFC 7748 §6.1 (Alice and Bob).
    private static readonly byte[] AlicePrivate = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    private static readonly byte[] AlicePublic = Convert.FromHexString("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    private static readonly byte[] BobPrivate = Convert.FromHexString("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    private static readonly byte[] BobPublic = Convert.FromHexString("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    private static readonly byte[] SharedSecret = Convert.FromHexString("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

    [Test]
    public void FromPrivateKey_Rfc7748Vector_DerivesPublicKey()
    {
        using X25519KeyPair alice = X25519KeyPair.FromPrivateKey(AlicePrivate);
        using X25519KeyPair bob = X25519KeyPair.FromPrivateKey(BobPrivate);

        Assert.That(alice.PublicKey, Is.EqualTo(AlicePublic));
        Assert.That(bob.PublicKey, Is.EqualTo(BobPublic));
    }

    [Test]
    public void TryAgree_Rfc7748Vector_ProducesSharedSecret()
    {
        using X25519KeyPair alice = X25519KeyPair.FromPrivateKey(AlicePrivate);
        using X25519KeyPair bob = X25519KeyPair.FromPrivateKey(BobPrivate);
        var fromAlice = new byte[32];
        var fromBob = new byte[32];

        Assert.That(alice.TryAgree(BobPublic, fromAlice), Is.True);
        Assert.That(bob.TryAgree(AlicePublic, fromBob), Is.True);
        Assert.That(fromAlice, Is.EqualTo(SharedSecret));
        Assert.That(fromBob, Is.EqualTo(SharedSecret));
    }

    [Test]
    public void TryAgree_AllZeroPeer_ReturnsFalse()
    {
        using X25519KeyPair pair = X25519KeyPair.Generate();

        Assert.That(pair.TryAgree(new byte[32], new byte[32]), Is.False);
    }

    [Test]
    public void Generate_TwoCalls_GiveDifferentKeys()
    {
        using X25519KeyPair first = X25519KeyPair.Generate();
        using X25519KeyPair second = X25519KeyPair.Generate();

        Assert.That(first.PublicKey, Has.Length.EqualTo(32));
        Assert.That(first.PublicKey, Is.Not.EqualTo(second.PublicKey));
    }

    [Test]
    public void PublicKey_MutatedCopy_DoesNotChangeKey()
    {
        using X25519KeyPair alice = X25519KeyPair.FromPrivateKey(AlicePrivate);
        alice.PublicKey[0] ^= 0xFF;

        Assert.That(alice.PublicKey, Is.EqualTo(AlicePublic));
    }

    [TestCase(0)]
    [TestCase(31)]
    [TestCase(33)]
    public void FromPrivateKey_WrongLength_ThrowsArgumentException(int length) =>
        Assert.Throws<ArgumentException>(() => X25519KeyPair.FromPrivateKey(new byte[length]));

    [Test]
    public void ToString_Always_ShowsPublicKeyOnly()
    {
        using X25519KeyPair alice = X25519KeyPair.FromPrivateKey(AlicePrivate);

        string text = alice.ToString();

        Assert.That(text, Does.Contain(Convert.ToHexStringLower(AlicePublic)));
        Assert.That(text, Does.Not.Contain(Convert.ToHexStringLower(AlicePrivate)).IgnoreCase);
    }

    [Test]
    public void TryAgree_AfterDispose_ThrowsObjectDisposedException()
    {
        X25519KeyPair pair = X25519KeyPair.Generate();
        pair.Dispose();
        pair.Dispose();

        Assert.Throws<ObjectDisposedException>(() => pair.TryAgree(AlicePublic, new byte[32]));
    }
}
