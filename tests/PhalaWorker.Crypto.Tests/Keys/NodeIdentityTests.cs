using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Crypto.Tests.Keys;

[TestFixture]
public sealed class NodeIdentityTests
{
    private const string OrderHex = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

    [Test]
    public void Generate_Always_GivesValidDistinctKeys()
    {
        using NodeIdentity first = NodeIdentity.Generate();
        using NodeIdentity second = NodeIdentity.Generate();

        Assert.That(first.GetSigningKey().Length, Is.EqualTo(32));
        Assert.That(NodeIdentity.IsValidSigningKey(first.GetSigningKey()), Is.True);
        Assert.That(first.GetSigningKey().ToArray(), Is.Not.EqualTo(second.GetSigningKey().ToArray()));
        Assert.That(first.HpkeKey.PublicKey, Is.Not.EqualTo(second.HpkeKey.PublicKey));
    }

    [TestCase("0000000000000000000000000000000000000000000000000000000000000001", true)]
    [TestCase("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140", true)]
    [TestCase("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", true)]
    [TestCase("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364139", true)]
    [TestCase("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364100", true)]
    [TestCase("0000000000000000000000000000000000000000000000000000000000000000", false)]
    [TestCase(OrderHex, false)]
    [TestCase("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142", false)]
    [TestCase("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364241", false)]
    [TestCase("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", false)]
    [TestCase("00", false)]
    [TestCase("", false)]
    public void IsValidSigningKey_Boundaries_MatchesZeroLessThanKLessThanN(string hex, bool expected) =>
        Assert.That(NodeIdentity.IsValidSigningKey(Convert.FromHexString(hex)), Is.EqualTo(expected));

    [Test]
    public void FromKeys_InvalidScalar_ThrowsInvalidPrivateKey()
    {
        using X25519KeyPair hpke = X25519KeyPair.Generate();

        var exception = Assert.Throws<CryptoException>(() => NodeIdentity.FromKeys(Convert.FromHexString(OrderHex), hpke));

        Assert.That(exception!.Reason, Is.EqualTo(CryptoErrorReason.InvalidPrivateKey));
    }

    [Test]
    public void FromKeys_ValidScalar_KeepsKeys()
    {
        byte[] signingKey = Convert.FromHexString("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
        X25519KeyPair hpke = X25519KeyPair.Generate();
        byte[] hpkePublic = hpke.PublicKey;

        using NodeIdentity identity = NodeIdentity.FromKeys(signingKey, hpke);

        Assert.That(identity.GetSigningKey().ToArray(), Is.EqualTo(signingKey));
        Assert.That(identity.HpkeKey.PublicKey, Is.EqualTo(hpkePublic));
    }

    [Test]
    public void ToString_Always_OmitsSigningKey()
    {
        using NodeIdentity identity = NodeIdentity.Generate();
        string signingHex = Convert.ToHexStringLower(identity.GetSigningKey());

        string text = identity.ToString();

        Assert.That(text, Does.Not.Contain(signingHex).IgnoreCase);
        Assert.That(text, Does.Contain(Convert.ToHexStringLower(identity.HpkeKey.PublicKey)));
    }

    [Test]
    public void Dispose_Always_BlocksSigningKeyAndHpkeKey()
    {
        NodeIdentity identity = NodeIdentity.Generate();
        identity.Dispose();

        Assert.Throws<ObjectDisposedException>(() => identity.GetSigningKey());
        Assert.Throws<ObjectDisposedException>(() => identity.HpkeKey.TryAgree(new byte[32], new byte[32]));
    }
}
