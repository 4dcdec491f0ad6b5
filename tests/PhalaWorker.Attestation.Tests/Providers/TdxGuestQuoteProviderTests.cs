using PhalaWorker.Attestation.Providers;
using PhalaWorker.Attestation.Tests.Native;
using PhalaWorker.Testing.Attestation;

namespace PhalaWorker.Attestation.Tests.Providers;

public sealed class TdxGuestQuoteProviderTests : ShimTestBase
{
    [Test]
    public void GetTdReportAsync_MissingDevice_NoProvider()
    {
        var provider = new TdxGuestQuoteProvider("/nonexistent/tdx_guest");

        var exception = Assert.ThrowsAsync<TeeProviderException>(async () => await provider.GetTdReportAsync(new byte[64], CancellationToken.None));

        Assert.That(exception!.TeeReason, Is.EqualTo(TeeErrorReason.NoProvider));
        Assert.That(exception.Message, Does.Contain("/nonexistent/tdx_guest"));
    }

    [Test]
    public void GetTdReportAsync_RegularFileNotDevice_IoErrorFromIoctl()
    {
        using var tree = FakeConfigFsTree.Create([]);
        tree.CreateFakeDevice();
        var provider = new TdxGuestQuoteProvider(tree.TdxGuestDevicePath);

        var exception = Assert.ThrowsAsync<TeeProviderException>(async () => await provider.GetTdReportAsync(new byte[64], CancellationToken.None));

        Assert.That(exception!.TeeReason, Is.EqualTo(TeeErrorReason.IoError));
        Assert.That(exception.Message, Does.Contain("TDX_CMD_GET_REPORT0"));
    }

    [Test]
    public void GetQuoteAsync_Always_NotSupportedWithExplanation()
    {
        var provider = new TdxGuestQuoteProvider("/nonexistent/tdx_guest");

        var exception = Assert.ThrowsAsync<TeeProviderException>(async () => await provider.GetQuoteAsync(new byte[64], CancellationToken.None));

        Assert.That(exception!.TeeReason, Is.EqualTo(TeeErrorReason.NotSupported));
        Assert.That(exception.Message, Does.Contain("configfs-tsm"));
        Assert.That(TdxGuestQuoteProvider.CanQuote, Is.False);
    }

    [Test]
    public void ExtendRtmr_RegularFileNotDevice_Throws()
    {
        using var tree = FakeConfigFsTree.Create([]);
        tree.CreateFakeDevice();
        var provider = new TdxGuestQuoteProvider(tree.TdxGuestDevicePath);

        var exception = Assert.Throws<TeeProviderException>(() => provider.ExtendRtmr(3, new byte[48]));

        Assert.That(exception!.TeeReason, Is.EqualTo(TeeErrorReason.NoProvider), "ENOTTY: the kernel has no TDX_CMD_EXTEND_RTMR");
    }
}
