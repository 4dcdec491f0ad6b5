using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Tests.Primitives;

public class Hash32Tests
{
    private const string Sample = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347";

    [Test]
    public void Parse_ToString_RoundTrips()
    {
        Assert.That(Hash32.Parse(Sample).ToString(), Is.EqualTo(Sample));
    }

    [Test]
    public void Equals_SameBytes_EqualAndSameHashCode()
    {
        var a = Hash32.Parse(Sample);
        var b = Hash32.Parse(Sample[2..].ToUpperInvariant());

        Assert.Multiple(() =>
        {
            Assert.That(a, Is.EqualTo(b));
            Assert.That(a == b, Is.True);
            Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
        });
    }

    [Test]
    public void Default_IsZero_EqualsExplicitZeros()
    {
        Assert.Multiple(() =>
        {
            Assert.That(default(Hash32).IsZero, Is.True);
            Assert.That(default(Hash32), Is.EqualTo(new Hash32(new byte[32])));
            Assert.That(default(Hash32).AsSpan().Length, Is.EqualTo(32));
        });
    }

    [TestCase("0x00")]
    [TestCase("0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d4934700")]
    [TestCase("not hex")]
    public void TryParse_Invalid_ReturnsFalse(string text)
    {
        Assert.That(Hash32.TryParse(text, null, out _), Is.False);
    }

    [Test]
    public void Constructor_WrongLength_Throws()
    {
        Assert.That(() => new Hash32(new byte[31]), Throws.ArgumentException);
    }
}
