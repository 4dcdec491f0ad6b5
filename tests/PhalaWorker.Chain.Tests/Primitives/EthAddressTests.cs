using System.Text.Json.Nodes;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Tests.Primitives;

public class EthAddressTests
{
    private static IEnumerable<TestCaseData> ChecksumVectors() =>
        EthereumTestData.Load("eip55_checksum.json")["checksummed"]!.AsArray()
            .Select(n => new TestCaseData(n!.GetValue<string>()).SetArgDisplayNames(n!.GetValue<string>()));

    private static IEnumerable<TestCaseData> KeyVectors() =>
        EthereumTestData.Vectors("secp256k1_keys_addresses.json").Select(v => new TestCaseData(v).SetArgDisplayNames(v.Str("address")));

    [TestCaseSource(nameof(ChecksumVectors))]
    public void ToChecksumString_Eip55Vector_MatchesExpected(string checksummed)
    {
        var address = EthAddress.Parse(checksummed.ToLowerInvariant());

        Assert.Multiple(() =>
        {
            Assert.That(address.ToChecksumString(), Is.EqualTo(checksummed));
            Assert.That(address.ToString(), Is.EqualTo(checksummed));
            Assert.That(EthAddress.IsValidChecksum(checksummed), Is.True);
        });
    }

    [TestCaseSource(nameof(ChecksumVectors))]
    public void Parse_ChecksumBroken_Throws(string checksummed)
    {
        // Flip the case of the first letter digit; an all-lower/all-upper result is still accepted by EIP-55, so skip those.
        var chars = checksummed.ToCharArray();
        var index = Array.FindIndex(chars, 2, char.IsLetter);
        chars[index] = char.IsUpper(chars[index]) ? char.ToLowerInvariant(chars[index]) : char.ToUpperInvariant(chars[index]);
        var broken = new string(chars);
        var digits = broken[2..];
        Assume.That(digits.Any(char.IsUpper) && digits.Any(char.IsLower), "flipping made the address single-case, which EIP-55 accepts");

        Assert.That(() => EthAddress.Parse(broken), Throws.TypeOf<FormatException>());
    }

    [TestCaseSource(nameof(KeyVectors))]
    public void FromPrivateKey_KnownKey_MatchesAddress(JsonObject vector)
    {
        var address = EthAddress.FromPrivateKey(Hex.Decode(vector.Str("privateKey")));

        Assert.That(address.ToChecksumString(), Is.EqualTo(EthAddress.Parse(vector.Str("address")).ToChecksumString()));
        if (vector["publicKeyUncompressed"] is { } pub)
        {
            Assert.That(EthAddress.FromPublicKey(Hex.Decode(pub.GetValue<string>())), Is.EqualTo(address));
        }
    }

    [TestCase("0x52908400098527886E0F7030069857D2E4169E")]
    [TestCase("0x52908400098527886E0F7030069857D2E4169EE700")]
    [TestCase("0xg2908400098527886E0F7030069857D2E4169EE7")]
    public void Parse_Malformed_Throws(string text)
    {
        Assert.That(() => EthAddress.Parse(text), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void Default_IsZeroAddress()
    {
        Assert.Multiple(() =>
        {
            Assert.That(default(EthAddress).IsZero, Is.True);
            Assert.That(default(EthAddress).ToString(), Is.EqualTo("0x0000000000000000000000000000000000000000"));
            Assert.That(default(EthAddress), Is.EqualTo(EthAddress.Parse("0x0000000000000000000000000000000000000000")));
        });
    }
}
