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
