using PhalaWorker.Attestation.Binding;

namespace PhalaWorker.Attestation.Tests.Binding;

public sealed class ReportDataBindingTests
{
    // Golden values computed independently: python's hashlib.sha512 over "phala-worker/report-data/v2" ‖ addr ‖ key ‖ gpu ‖ tls.
    // addr = 01..14, key = 20..3f, gpu = aa x32 (or zeros), tls = 5c x32 (or zeros: no RA-TLS key).
    private const string GoldenWithGpu = "0e8d6a821843095240677afb14a096ca0cceeef499fd2399be68948dd717ef13ebb65304368d2b9ea6b498cb9c6f39c8ca904b5bb5d279fb4582f1371ed7fb54";
    private const string GoldenWithoutGpu = "940e2c92026e4e98c4d611a466a59cfd610f7d65425a0973b2185fa298a948a41ae9e069408387c4ef0e71f579c05f0787b8b7876c265fb69e6b08bc7cd3b94d";
    private const string GoldenWithGpuAndTls = "808833d9c1843eb22ef2adf7586be14c57467df7ba37a085df0bcc783950e0449fd616c360c07a0a957daded9700bfb52911661711bce66ac1fa803fc5b9a915";

    private static readonly byte[] TlsKey = Enumerable.Repeat((byte)0x5c, 32).ToArray();

    private static readonly byte[] Address = Enumerable.Range(1, 20).Select(i => (byte)i).ToArray();
    private static readonly byte[] HpkeKey = Enumerable.Range(0x20, 32).Select(i => (byte)i).ToArray();

    [Test]
    public void Compute_KnownInputs_MatchesSha512sumGolden()
    {
        var gpu = Enumerable.Repeat((byte)0xaa, 32).ToArray();

        var reportData = ReportDataBinding.Compute(Address, HpkeKey, gpu);

        Assert.That(Convert.ToHexStringLower(reportData), Is.EqualTo(GoldenWithGpu));
    }

    [Test]
    public void Compute_ZeroGpuDigest_MatchesGolden()
    {
        Assert.That(Convert.ToHexStringLower(ReportDataBinding.Compute(Address, HpkeKey, new byte[32])), Is.EqualTo(GoldenWithoutGpu));
    }

    [Test]
    public void Compute_EmptyGpuDigest_SameAsZeros()
    {
        Assert.That(ReportDataBinding.Compute(Address, HpkeKey, default), Is.EqualTo(ReportDataBinding.Compute(Address, HpkeKey, new byte[32])));
    }

    [Test]
    public void Compute_Always_Returns64Bytes()
    {
        Assert.That(ReportDataBinding.Compute(Address, HpkeKey, default), Has.Length.EqualTo(64));
        Assert.That(ReportDataBinding.Version, Is.EqualTo(2));
    }

    [Test]
    public void Compute_WithTlsKey_MatchesGolden()
    {
        var gpu = Enumerable.Repeat((byte)0xaa, 32).ToArray();

        Assert.That(Convert.ToHexStringLower(ReportDataBinding.Compute(Address, HpkeKey, gpu, TlsKey)), Is.EqualTo(GoldenWithGpuAndTls));
    }

    [Test]
    public void Compute_EmptyTlsKey_SameAsZerosAndAsNoTlsOverload()
    {
        Assert.That(ReportDataBinding.Compute(Address, HpkeKey, default, default), Is.EqualTo(ReportDataBinding.Compute(Address, HpkeKey, default, new byte[32])));
        Assert.That(ReportDataBinding.Compute(Address, HpkeKey, default, default), Is.EqualTo(ReportDataBinding.Compute(Address, HpkeKey, default)));
    }

    [TestCase(31)]
    [TestCase(33)]
    public void Compute_WrongTlsKeyLength_Throws(int tlsLength)
    {
        Assert.That(() => ReportDataBinding.Compute(Address, HpkeKey, default, new byte[tlsLength]), Throws.ArgumentException);
    }

    [Test]
    public void Matches_OtherTlsKey_False()
    {
        var reportData = ReportDataBinding.Compute(Address, HpkeKey, default, TlsKey);
        var otherTls = (byte[])TlsKey.Clone();
        otherTls[31] ^= 1;

        Assert.That(ReportDataBinding.Matches(reportData, Address, HpkeKey, default, TlsKey), Is.True);
        Assert.That(ReportDataBinding.Matches(reportData, Address, HpkeKey, default, otherTls), Is.False);
        Assert.That(ReportDataBinding.Matches(reportData, Address, HpkeKey, default), Is.False, "a bound TLS key is not 'none'");
    }

    [TestCase(19, 32, 32)]
    [TestCase(21, 32, 32)]
    [TestCase(20, 31, 32)]
    [TestCase(20, 33, 32)]
    [TestCase(20, 32, 31)]
    [TestCase(20, 32, 64)]
    public void Compute_WrongLength_Throws(int addressLength, int keyLength, int gpuLength)
    {
        Assert.That(() => ReportDataBinding.Compute(new byte[addressLength], new byte[keyLength], new byte[gpuLength]), Throws.ArgumentException);
    }

    [Test]
    public void Matches_SameInputs_True()
    {
        var reportData = ReportDataBinding.Compute(Address, HpkeKey, default);

        Assert.That(ReportDataBinding.Matches(reportData, Address, HpkeKey, default), Is.True);
    }

    [Test]
    public void Matches_OtherKey_False()
    {
        var reportData = ReportDataBinding.Compute(Address, HpkeKey, default);
        var otherKey = (byte[])HpkeKey.Clone();
        otherKey[0] ^= 1;

        Assert.That(ReportDataBinding.Matches(reportData, Address, otherKey, default), Is.False);
        Assert.That(ReportDataBinding.Matches(reportData.AsSpan(0, 32), Address, HpkeKey, default), Is.False);
    }
}
