using System.Text.Json.Nodes;
using FsCheck;
using PropertyAttribute = FsCheck.NUnit.PropertyAttribute;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Chain.Signing;
using PhalaWorker.Chain.Tests.Primitives;

// FsCheck supplies the arguments of [Property] methods; NUnit.Analyzers does not know that.
#pragma warning disable NUnit1027

namespace PhalaWorker.Chain.Tests.Signing;

/// <summary>Ours (libsecp256k1) and Nethereum's managed EthECKey against the same vectors (signatures must be byte-identical: RFC 6979 + low-s).</summary>
[TestFixture(Secp256k1Backend.Native)]
[TestFixture(Secp256k1Backend.Nethereum)]
public class Secp256k1Tests(Secp256k1Backend backend)
{
    private static readonly byte[] s_curveOrder = Hex.Decode("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");

    [SetUp]
    public void RequireBackend() => backend.RequireAvailable();

    /// <summary>(privateKey, hash, r, s, recoveryId, address) from every vector file with a signature.</summary>
    public static IEnumerable<TestCaseData> SignatureVectors()
    {
        foreach (var v in EthereumTestData.Vectors("eip191_personal_sign.json").Where(v => v["signature"] is not null))
        {
            var sig = Hex.Decode(v.Str("signature"));
            yield return Case("eip191 " + v.Str("address"), v.Str("privateKey"), v.Str("messageHash"), sig[..32], sig[32..64], sig[64] - 27, v.Str("address"));
        }

        foreach (var (v, i) in EthereumTestData.Vectors("eip1559_tx.json").Select((v, i) => (v, i)))
        {
            yield return Case($"eip1559[{i}]", v.Str("privateKey"), v.Str("signingHash"), Hex.Decode(v.Str("r")), Hex.Decode(v.Str("s")),
                v["yParity"]!.GetValue<int>(), v.Str("from"));
        }

        var legacy = EthereumTestData.Load("eip155_legacy_tx.json");
        yield return Case("eip155", legacy.Str("privateKey"), legacy.Str("signingHash"), Hex.Decode(legacy.Str("r_hex")), Hex.Decode(legacy.Str("s_hex")),
            legacy["v"]!.GetValue<int>() - 35 - (2 * legacy["chainId"]!.GetValue<int>()), legacy.Str("from"));

        var mail = EthereumTestData.Load("eip712_mail.json");
        yield return Case("eip712 mail", Keccak256.HashUtf8("cow").ToString(), mail.Str("digest"), Hex.Decode(mail.Str("r")), Hex.Decode(mail.Str("s")),
            mail["v"]!.GetValue<int>() - 27, null);

        static TestCaseData Case(string name, string key, string hash, byte[] r, byte[] s, int recoveryId, string? address) =>
            new TestCaseData(Hex.Decode(key), Hex.Decode(hash), r, s, recoveryId, address).SetArgDisplayNames(name);
    }

    public static IEnumerable<TestCaseData> KeyVectors() =>
        EthereumTestData.Vectors("secp256k1_keys_addresses.json").Select(v => new TestCaseData(v).SetArgDisplayNames(v.Str("address")));

    [TestCaseSource(nameof(SignatureVectors))]
    public void Sign_Vector_ReproducesSignatureExactly(byte[] key, byte[] hash, byte[] r, byte[] s, int recoveryId, string? address)
    {
        var signature = backend.Sign(key, hash);

        Assert.Multiple(() =>
        {
            Assert.That(Hex.Encode(signature.R), Is.EqualTo(Hex.Encode(r)));
            Assert.That(Hex.Encode(signature.S), Is.EqualTo(Hex.Encode(s)));
            Assert.That(signature.RecoveryId, Is.EqualTo(recoveryId));
        });
    }

    [TestCaseSource(nameof(SignatureVectors))]
    public void Recover_Vector_GivesSignerPublicKey(byte[] key, byte[] hash, byte[] r, byte[] s, int recoveryId, string? address)
    {
        var recovered = backend.Recover(hash, [.. r, .. s], recoveryId);

        Assert.That(recovered, Is.Not.Null);
        Assert.That(recovered, Is.EqualTo(backend.PublicKey(key)));
        if (address is not null)
        {
            Assert.That(EthAddress.FromPublicKey(recovered), Is.EqualTo(EthAddress.Parse(address)));
        }
    }

    [TestCaseSource(nameof(SignatureVectors))]
    public void Recover_WrongRecoveryId_GivesAnotherKey(byte[] key, byte[] hash, byte[] r, byte[] s, int recoveryId, string? address)
    {
        var recovered = backend.Recover(hash, [.. r, .. s], recoveryId ^ 1);

        Assert.That(recovered, Is.Not.EqualTo(backend.PublicKey(key)));
    }

    [TestCaseSource(nameof(KeyVectors))]
    public void PublicKey_KeyVector_MatchesAddressAndKey(JsonObject vector)
    {
        var publicKey = backend.PublicKey(Hex.Decode(vector.Str("privateKey")));

        Assert.That(publicKey, Is.Not.Null);
        Assert.That(EthAddress.FromPublicKey(publicKey), Is.EqualTo(EthAddress.Parse(vector.Str("address"))));
        if (vector["publicKeyUncompressed"] is { } expected)
        {
            Assert.That(Hex.Encode(publicKey), Is.EqualTo("0x" + expected.GetValue<string>()[4..]));
        }
    }

    [Test]
    public void IsValidPrivateKey_ZeroOrderAndAboveOrder_False()
    {
        var aboveOrder = (byte[])s_curveOrder.Clone();
        aboveOrder[31]++;
        var orderMinusOne = (byte[])s_curveOrder.Clone();
        orderMinusOne[31]--;

        Assert.Multiple(() =>
        {
            Assert.That(backend.IsValidPrivateKey(new byte[32]), Is.False);
            Assert.That(backend.IsValidPrivateKey(s_curveOrder), Is.False);
            Assert.That(backend.IsValidPrivateKey(aboveOrder), Is.False);
            Assert.That(backend.IsValidPrivateKey(new byte[31]), Is.False);
            Assert.That(backend.IsValidPrivateKey(orderMinusOne), Is.True);
            Assert.That(backend.PublicKey(new byte[32]), Is.Null);
        });
    }

    [Test]
    public void Recover_ZeroOrOverflowingScalars_Fails()
    {
        if (backend == Secp256k1Backend.Nethereum)
        {
            // Measured: EthECKey.RecoverFromSignature recovers a key from r or s equal to n instead of refusing it — one reason
            // recovery runs on libsecp256k1 (Chain README).
            Assert.Ignore("Nethereum's managed recovery does not range-check r and s; only our libsecp256k1 path must refuse them");
        }

        var hash = Keccak256.HashUtf8("x").ToArray();
        byte[] one = [.. new byte[31], 1];

        Assert.Multiple(() =>
        {
            Assert.That(backend.Recover(hash, [.. new byte[32], .. one], 0), Is.Null);
            Assert.That(backend.Recover(hash, [.. one, .. new byte[32]], 0), Is.Null);
            Assert.That(backend.Recover(hash, [.. s_curveOrder, .. one], 0), Is.Null);
            Assert.That(backend.Recover(hash, [.. one, .. s_curveOrder], 0), Is.Null);
        });
    }

    [Property(Replay = "1234567,7654321", MaxTest = 60)]
    public bool SignThenRecover_AnyKeyAndMessage_GivesSignerAndLowS(NonEmptyArray<byte> keyMaterial, byte[] message)
    {
        backend.RequireAvailable();
        var key = Keccak256.Hash(keyMaterial.Get).ToArray();
        var hash = Keccak256.Hash(message).ToArray();

        var (r, s, recoveryId) = backend.Sign(key, hash);

        return Secp256k1.IsLowS(s)
            && backend.Recover(hash, [.. r, .. s], recoveryId) is { } recovered
            && recovered.AsSpan().SequenceEqual(backend.PublicKey(key));
    }

    [Property(Replay = "424242,171717", MaxTest = 30)]
    public bool Sign_BothBackends_IdenticalSignatures(NonEmptyArray<byte> keyMaterial, byte[] message)
    {
        Secp256k1Backend.Native.RequireAvailable();
        var key = Keccak256.Hash(keyMaterial.Get).ToArray();
        var hash = Keccak256.Hash(message).ToArray();

        var native = Secp256k1Backend.Native.Sign(key, hash);
        var managed = Secp256k1Backend.Nethereum.Sign(key, hash);

        return native.R.AsSpan().SequenceEqual(managed.R) && native.S.AsSpan().SequenceEqual(managed.S) && native.RecoveryId == managed.RecoveryId;
    }
}
