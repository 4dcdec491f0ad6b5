using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Chain.Tests.Signing;

public class EthSignerTests
{
    private const string AnvilKey0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    [Test]
    public void Secp256k1_OnThisMachine_UsesNativeLibrary()
    {
        Assume.That(File.Exists("/usr/lib/x86_64-linux-gnu/libsecp256k1.so.1"), "Debian libsecp256k1-1 is not installed here");

        Assert.Multiple(() =>
        {
            Assert.That(Secp256k1.IsAvailable, Is.True);
            Assert.That(Secp256k1.Implementation, Is.EqualTo("libsecp256k1"));
        });
    }

    [Test]
    public void Address_AnvilKey0_IsAnvilAccount0()
    {
        using var signer = EthSigner.FromHex(AnvilKey0);

        Assert.That(signer.Address, Is.EqualTo(EthAddress.Parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")));
    }

    [Test]
    public void SignHash_ThenRecover_GivesSignerAddress()
    {
        using var signer = EthSigner.Generate();
        var hash = Keccak256.HashUtf8("receipt");

        var signature = signer.SignHash(hash);

        Assert.Multiple(() =>
        {
            Assert.That(Secp256k1.Recover(hash, signature), Is.EqualTo(signer.Address));
            Assert.That(Secp256k1.Recover(hash, signature.ToBytes65()), Is.EqualTo(signer.Address));
            Assert.That(signature.ToBytes65()[64], Is.AnyOf((byte)27, (byte)28));
        });
    }

    [Test]
    public void Recover_HighS_Rejected()
    {
        using var signer = EthSigner.Generate();
        var hash = Keccak256.HashUtf8("malleable");
        var signature = signer.SignHash(hash);
        var n = Org.BouncyCastle.Crypto.EC.CustomNamedCurves.GetByName("secp256k1").N;
        var highS = n.Subtract(new Org.BouncyCastle.Math.BigInteger(1, signature.S)).ToByteArrayUnsigned();
        var malleated = signature with { S = [.. new byte[32 - highS.Length], .. highS], RecoveryId = (byte)(signature.RecoveryId ^ 1) };

        Assert.Multiple(() =>
        {
            Assert.That(Secp256k1.TryRecover(hash, malleated, out _), Is.False);
            Assert.That(() => Secp256k1.Recover(hash, malleated), Throws.TypeOf<ChainException>()
                .With.Property(nameof(ChainException.Reason)).EqualTo(ChainErrorReason.InvalidSignature));
        });
    }

    [Test]
    public void Constructor_InvalidKey_ThrowsChainException()
    {
        Assert.That(() => new EthSigner(new byte[32]), Throws.TypeOf<ChainException>()
            .With.Property(nameof(ChainException.Reason)).EqualTo(ChainErrorReason.InvalidPrivateKey));
    }

    [Test]
    public void SignHash_AfterDispose_Throws()
    {
        var signer = EthSigner.FromHex(AnvilKey0);
        signer.Dispose();

        Assert.That(() => signer.SignHash(Hash32.Zero), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void Dispose_WipesPrivateKey()
    {
        var signer = EthSigner.FromHex(AnvilKey0);
        var field = typeof(EthSigner).GetField("_privateKey", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        var key = (byte[])field.GetValue(signer)!;
        Assume.That(key.Any(b => b != 0), "the key is present before Dispose");

        signer.Dispose();

        Assert.That(key, Is.All.EqualTo((byte)0));
    }

    [Test]
    public void Sign_HashNot32Bytes_ThrowsArgumentException()
    {
        var key = Hex.Decode(AnvilKey0);

        Assert.Multiple(() =>
        {
            Assert.That(() => Secp256k1.Sign(key, new byte[31]), Throws.ArgumentException);
            Assert.That(() => Secp256k1.Sign(new byte[32], new byte[32]), Throws.TypeOf<ChainException>()
                .With.Property(nameof(ChainException.Reason)).EqualTo(ChainErrorReason.InvalidPrivateKey));
            Assert.That(Secp256k1.TryRecover(new byte[31], new EthSignature(new byte[32], new byte[32], 0), out _), Is.False);
        });
    }

    [TestCase(26)]
    [TestCase(29)]
    [TestCase(2)]
    public void FromBytes65_BadV_Throws(int v)
    {
        var bytes = new byte[65];
        bytes[64] = (byte)v;

        Assert.That(() => EthSignature.FromBytes65(bytes), Throws.TypeOf<ChainException>());
    }

    [Test]
    public void FromBytes65_ToBytes65_RoundTrips()
    {
        var bytes = Enumerable.Range(1, 64).Select(i => (byte)i).Append((byte)28).ToArray();

        var signature = EthSignature.FromBytes65(bytes);

        Assert.Multiple(() =>
        {
            Assert.That(signature.RecoveryId, Is.EqualTo(1));
            Assert.That(signature.ToBytes65(), Is.EqualTo(bytes));
            Assert.That(signature, Is.EqualTo(EthSignature.FromHex(Hex.Encode(bytes))));
        });
    }
}
