using System.Runtime.InteropServices;
using PhalaWorker.Attestation.Providers;
using PhalaWorker.Attestation.Tests.Native;
using PhalaWorker.Testing.Attestation;

namespace PhalaWorker.Attestation.Tests.Providers;

[NonParallelizable] // the race hooks share static state
public sealed class ConfigFsTsmQuoteProviderTests : ShimTestBase
{
    private static readonly byte[] ReportData = [.. Enumerable.Range(0, 64).Select(i => (byte)(i * 3))];
    private static int _hookCalls;

    [Test]
    public async Task GetQuoteAsync_FakeTree_ReturnsOutblobAndWritesInblobAsync()
    {
        var realQuote = AttestationTestData.Quote;
        using var tree = FakeConfigFsTree.Create(realQuote);
        var provider = Fixed(tree);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var quote = await provider.GetQuoteAsync(ReportData, cts.Token);

        Assert.That(quote, Is.EqualTo(realQuote));
        Assert.That(tree.ReadInblob(), Is.EqualTo(ReportData));
        Assert.That(provider.KernelProvider, Is.EqualTo("tdx_guest"));
        Assert.That(provider.Kind, Is.EqualTo(TeeKind.Tdx));
    }

    [Test]
    public async Task GetQuoteAsync_QuoteLargerThanInitialBuffer_GrowsAndReturnsAllAsync()
    {
        var large = Enumerable.Range(0, 40_000).Select(i => (byte)i).ToArray();
        using var tree = FakeConfigFsTree.Create(large);
        var provider = Fixed(tree);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        Assert.That(await provider.GetQuoteAsync(ReportData, cts.Token), Is.EqualTo(large));
    }

    [Test]
    public void GetQuoteAsync_NoReportDirectory_NoProvider()
    {
        using var tree = FakeConfigFsTree.CreateWithoutProvider();
        var provider = new ConfigFsTsmQuoteProvider(tree.Root);

        var exception = Assert.ThrowsAsync<TeeProviderException>(async () => await provider.GetQuoteAsync(ReportData, CancellationToken.None));

        Assert.That(exception!.TeeReason, Is.EqualTo(TeeErrorReason.NoProvider));
        Assert.That(exception.Reason, Is.EqualTo(AttestationErrorReason.ProviderUnavailable));
        Assert.That(() => provider.Probe(), Throws.TypeOf<TeeProviderException>());
    }

    [Test]
    public void GetQuoteAsync_SevProvider_NoProviderNamingIt()
    {
        using var tree = FakeConfigFsTree.Create(AttestationTestData.Quote, provider: "sev_guest");
        var provider = Fixed(tree);

        var exception = Assert.ThrowsAsync<TeeProviderException>(async () => await provider.GetQuoteAsync(ReportData, CancellationToken.None));

        Assert.That(exception!.TeeReason, Is.EqualTo(TeeErrorReason.NoProvider));
        Assert.That(exception.Message, Does.Contain("sev_guest"));
    }

    [Test]
    public void GetQuoteAsync_ShortOutblob_ShortOutput()
    {
        using var tree = FakeConfigFsTree.Create(new byte[100]);
        var provider = Fixed(tree);

        var exception = Assert.ThrowsAsync<TeeProviderException>(async () => await provider.GetQuoteAsync(ReportData, CancellationToken.None));

        Assert.That(exception!.TeeReason, Is.EqualTo(TeeErrorReason.ShortOutput));
        Assert.That(exception.Reason, Is.EqualTo(AttestationErrorReason.ProviderFailed));
    }

    [Test]
    public void GetQuoteAsync_EmptyOutblob_ShortOutput()
    {
        using var tree = FakeConfigFsTree.Create([]);
        var provider = Fixed(tree);

        var exception = Assert.ThrowsAsync<TeeProviderException>(async () => await provider.GetQuoteAsync(ReportData, CancellationToken.None));

        Assert.That(exception!.TeeReason, Is.EqualTo(TeeErrorReason.ShortOutput));
    }

    [Test]
    public void GetQuoteAsync_GenerationRaceEveryTime_FailsAfterAttempts()
    {
        using var tree = FakeConfigFsTree.Create(AttestationTestData.Quote);
        _hookCalls = 0;
        var provider = AlwaysRacing(tree);

        var exception = Assert.ThrowsAsync<TeeProviderException>(async () => await provider.GetQuoteAsync(ReportData, CancellationToken.None));

        Assert.That(exception!.TeeReason, Is.EqualTo(TeeErrorReason.GenerationRace));
        Assert.That(exception.IsTransient, Is.True);
        Assert.That(_hookCalls, Is.EqualTo(3));
    }

    [Test]
    public async Task GetQuoteAsync_GenerationRaceOnce_RetriesAndSucceedsAsync()
    {
        using var tree = FakeConfigFsTree.Create(AttestationTestData.Quote);
        _hookCalls = 0;
        var provider = RacingOnce(tree);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var quote = await provider.GetQuoteAsync(ReportData, cts.Token);

        Assert.That(quote, Is.EqualTo(AttestationTestData.Quote));
        Assert.That(_hookCalls, Is.EqualTo(2));
    }

    [Test]
    public void GetQuoteAsync_WrongReportDataLength_Throws()
    {
        var provider = new ConfigFsTsmQuoteProvider("/nonexistent");

        Assert.That(async () => await provider.GetQuoteAsync(new byte[32], CancellationToken.None), Throws.ArgumentException);
    }

    private static unsafe ConfigFsTsmQuoteProvider Fixed(FakeConfigFsTree tree) => new(tree.Root, tree.EntryName, null, null);

    private static unsafe ConfigFsTsmQuoteProvider AlwaysRacing(FakeConfigFsTree tree) => new(tree.Root, tree.EntryName, &AlwaysRace, null) { MaxAttempts = 3 };

    private static unsafe ConfigFsTsmQuoteProvider RacingOnce(FakeConfigFsTree tree) => new(tree.Root, tree.EntryName, &RaceOnceThenKernelBump, null);

    // Another writer bumps the generation from 7 to 9 between our write and our read.
    [UnmanagedCallersOnly]
    private static void AlwaysRace(nint context, nint entryPath)
    {
        _hookCalls++;
        var entry = Marshal.PtrToStringUTF8(entryPath)!;
        var generation = ulong.Parse(File.ReadAllText(Path.Combine(entry, "generation")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        FakeConfigFsTree.SetGeneration(entry, generation + 2);
    }

    // First attempt races; the second behaves like the kernel (one bump for our own write).
    [UnmanagedCallersOnly]
    private static void RaceOnceThenKernelBump(nint context, nint entryPath)
    {
        _hookCalls++;
        var entry = Marshal.PtrToStringUTF8(entryPath)!;
        var generation = ulong.Parse(File.ReadAllText(Path.Combine(entry, "generation")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        FakeConfigFsTree.SetGeneration(entry, generation + (_hookCalls == 1 ? 2UL : 1UL));
    }
}
