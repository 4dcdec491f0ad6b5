using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Tests.Primitives;

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
