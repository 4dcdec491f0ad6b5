using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Tests.Primitives;

public class HexTests
{
    [TestCase("0x", new byte[0])]
    [TestCase("", new byte[0])]
    [TestCase("0x00ff10", new byte[] { 0x00, 0xff, 0x10 })]
    [TestCase("00FF10", new byte[] { 0x00, 0xff, 0x10 })]
    [TestCase("0XaB", new byte[] { 0xab })]
    public void Decode_Valid_ReturnsBytes(string hex, byte[] expected)
    {
        Assert.That(Hex.Decode(hex), Is.EqualTo(expected));
    }

    [TestCase("0x0")]
    [TestCase("0xzz")]
    [TestCase("0x 0")]
    [TestCase("0x0x00")]
    [TestCase("-1")]
    public void Decode_Invalid_Throws(string hex)
    {
        Assert.That(() => Hex.Decode(hex), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void Encode_WithAndWithoutPrefix_LowerCase()
    {
        byte[] data = [0xde, 0xad, 0xBE, 0xEF];

        Assert.Multiple(() =>
        {
            Assert.That(Hex.Encode(data), Is.EqualTo("0xdeadbeef"));
            Assert.That(Hex.Encode(data, prefix: false), Is.EqualTo("deadbeef"));
            Assert.That(Hex.Encode([]), Is.EqualTo("0x"));
        });
    }

    [Test]
    public void TryDecode_DestinationTooSmall_ReturnsFalse()
    {
        Span<byte> buffer = stackalloc byte[1];

        Assert.That(Hex.TryDecode("0x0102", buffer, out _), Is.False);
    }
}

public class HexQuantityTests
{
    [TestCase(0UL, "0x0")]
    [TestCase(1UL, "0x1")]
    [TestCase(0x400UL, "0x400")]
    [TestCase(ulong.MaxValue, "0xffffffffffffffff")]
    public void FormatQuantity_ParseQuantity_RoundTrip(ulong value, string text)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Hex.FormatQuantity(value), Is.EqualTo(text));
            Assert.That(Hex.FormatQuantity(new System.Numerics.BigInteger(value)), Is.EqualTo(text));
            Assert.That(Hex.ParseQuantityUInt64(text), Is.EqualTo(value));
        });
    }

    [TestCase("0x")]
    [TestCase("12")]
    [TestCase("0xg")]
    [TestCase("0x10000000000000000")]
    public void ParseQuantityUInt64_Invalid_Throws(string text)
    {
        Assert.That(() => Hex.ParseQuantityUInt64(text), Throws.TypeOf<FormatException>());
    }
}
