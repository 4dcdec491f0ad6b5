using System.Net;
using Microsoft.Extensions.Time.Testing;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Testing;

namespace PhalaWorker.Attestation.Tests.Dcap;

public sealed class PcsCollateralFetcherTests
{
    /// <summary>A PCS/PCCS at the HTTP edge, serving the real files of tests/testdata/attestation in PCS v4 shapes.</summary>
    private sealed class FakePcsHandler : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        public HttpStatusCode? FailWith { get; set; }

        public bool OmitChainHeaders { get; set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var url = request.RequestUri!;
            Requests.Add(url.PathAndQuery);
            if (FailWith is { } status)
            {
                return Task.FromResult(new HttpResponseMessage(status));
            }

            var response = new HttpResponseMessage(HttpStatusCode.OK);
            var tcbChain = Uri.EscapeDataString(AttestationTestData.Text("tcb_signing_chain.pem"));
            switch (url.AbsolutePath)
            {
                case "/sgx/certification/v4/pckcrl" when url.Query == "?ca=platform&encoding=der":
                    response.Content = new ByteArrayContent(AttestationTestData.Bytes("pck_crl.der"));
                    AddHeader(response, "SGX-PCK-CRL-Issuer-Chain", Uri.EscapeDataString(AttestationTestData.Text("pck_crl_issuer_chain.pem")));
                    break;
                case "/tdx/certification/v4/tcb" when url.Query == "?fmspc=B0C06F000000":
                    response.Content = new StringContent($$"""{"tcbInfo":{{AttestationTestData.Text("tcb_info.json")}},"signature":"{{AttestationTestData.Text("tcb_info.signature.hex").Trim()}}"}""");
                    AddHeader(response, "TCB-Info-Issuer-Chain", tcbChain);
                    break;
                case "/tdx/certification/v4/qe/identity":
                    response.Content = new StringContent($$"""{"enclaveIdentity":{{AttestationTestData.Text("qe_identity.json")}},"signature":"{{AttestationTestData.Text("qe_identity.signature.hex").Trim()}}"}""");
                    AddHeader(response, "SGX-Enclave-Identity-Issuer-Chain", tcbChain);
                    break;
                case "/sgx/certification/v4/rootcacrl":
                    // PCCS answers hex text here.
                    response.Content = new StringContent(Convert.ToHexStringLower(AttestationTestData.Bytes("root_ca_crl.der")));
                    break;
                default:
                    response.StatusCode = HttpStatusCode.NotFound;
                    break;
            }

            return Task.FromResult(response);
        }

        private void AddHeader(HttpResponseMessage response, string name, string value)
        {
            if (!OmitChainHeaders)
            {
                response.Headers.TryAddWithoutValidation(name, value);
            }
        }
    }


    /// <summary>A fetcher at the README's good time; <paramref name="maxAge"/> null (reuse until nextUpdate) unless a test sets it.</summary>
    private static (PcsCollateralFetcher Fetcher, FakePcsHandler Handler, FakeTimeProvider Time) Create(string? cacheDirectory = null, TimeSpan? maxAge = null)
    {
        var handler = new FakePcsHandler();
        var time = new FakeTimeProvider(AttestationTestData.GoodTime);
        var options = new CollateralFetcherOptions { BaseUrl = new Uri("https://pccs.example/"), CacheDirectory = cacheDirectory, MaxAge = maxAge };
        return (new PcsCollateralFetcher(new TestHttpClientFactory(handler), options, time), handler, time);
    }

    [Test]
    public async Task GetCollateralAsync_FromQuote_VerifiesUpToDateAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (fetcher, handler, _) = Create();

        var collateral = await fetcher.GetCollateralAsync(AttestationTestData.Quote, cts.Token);
        var appraisal = DcapVerifier.Verify(AttestationTestData.Quote, collateral, AttestationTestData.GoodTime, AttestationPolicy.Strict);

        Assert.Multiple(() =>
        {
            Assert.That(appraisal.Valid, Is.True, appraisal.Reason);
            Assert.That(appraisal.TcbStatus, Is.EqualTo(TcbStatus.UpToDate));
            Assert.That(collateral.TcbInfo, Is.EqualTo(AttestationTestData.Text("tcb_info.json")));
            Assert.That(collateral.PckCrl, Is.EqualTo(AttestationTestData.Bytes("pck_crl.der")));
            Assert.That(collateral.RootCaCrl, Is.EqualTo(AttestationTestData.Bytes("root_ca_crl.der")));
            Assert.That(handler.Requests, Has.Count.EqualTo(4));
        });
    }

    [Test]
    public async Task GetCollateralAsync_Twice_ServedFromMemoryUntilNextUpdateAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (fetcher, handler, time) = Create();

        await fetcher.GetCollateralAsync("B0C06F000000", "platform", cts.Token);
        await fetcher.GetCollateralAsync("B0C06F000000", "platform", cts.Token);
        var afterFirst = handler.Requests.Count;
        time.SetUtcNow(new DateTimeOffset(2025, 7, 19, 10, 0, 0, TimeSpan.Zero)); // within 5 minutes of the PCK CRL nextUpdate
        await fetcher.GetCollateralAsync("B0C06F000000", "platform", cts.Token);

        Assert.Multiple(() =>
        {
            Assert.That(afterFirst, Is.EqualTo(4));
            Assert.That(handler.Requests, Has.Count.EqualTo(8));
        });
    }

    [Test]
    public void MaxAge_Default_IsTwelveHours()
    {
        Assert.That(new CollateralFetcherOptions().MaxAge, Is.EqualTo(TimeSpan.FromHours(12)), "well under the day clients accept for stapled collateral");
    }

    [Test]
    public async Task GetCollateralAsync_CachedOlderThanMaxAge_RefetchedInsideNextUpdateAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // The oldest part, the PCK CRL, was issued 2025-06-19T10:00:35Z: 11 days 14 hours before the good time.
        var (fetcher, handler, time) = Create(maxAge: TimeSpan.FromDays(12));

        await fetcher.GetCollateralAsync("B0C06F000000", "platform", cts.Token);
        await fetcher.GetCollateralAsync("B0C06F000000", "platform", cts.Token);
        var whileYounger = handler.Requests.Count;
        time.Advance(TimeSpan.FromHours(12)); // now 12 days 2 hours old, still 18 days before nextUpdate
        var refetched = await fetcher.GetCollateralAsync("B0C06F000000", "platform", cts.Token);

        Assert.Multiple(() =>
        {
            Assert.That(whileYounger, Is.EqualTo(4));
            Assert.That(handler.Requests, Has.Count.EqualTo(8));
            Assert.That(PcsCollateralFetcher.GetOldestIssue(refetched), Is.EqualTo(new DateTimeOffset(2025, 6, 19, 10, 0, 35, TimeSpan.Zero)));
        });
    }

    [Test]
    public async Task GetCollateralAsync_DiskCache_ReusedByANewFetcherAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var dir = Directory.CreateTempSubdirectory("pcs-cache-");
        try
        {
            var (first, _, _) = Create(dir.FullName);
            var fetched = await first.GetCollateralAsync("B0C06F000000", "platform", cts.Token);
            var (second, handler, _) = Create(dir.FullName);

            var cached = await second.GetCollateralAsync("B0C06F000000", "platform", cts.Token);

            Assert.Multiple(() =>
            {
                Assert.That(handler.Requests, Is.Empty);
                Assert.That(cached.ToJson(), Is.EqualTo(fetched.ToJson()));
                Assert.That(Directory.GetFiles(dir.FullName), Has.Length.EqualTo(1));
            });
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public async Task GetCollateralAsync_DiskCacheExpired_RefetchedAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var dir = Directory.CreateTempSubdirectory("pcs-cache-");
        try
        {
            var (first, _, _) = Create(dir.FullName);
            await first.GetCollateralAsync("B0C06F000000", "platform", cts.Token);
            var (second, handler, time) = Create(dir.FullName);
            time.SetUtcNow(new DateTimeOffset(2025, 8, 1, 0, 0, 0, TimeSpan.Zero));

            await second.GetCollateralAsync("B0C06F000000", "platform", cts.Token);

            Assert.That(handler.Requests, Has.Count.EqualTo(4));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [TestCase(HttpStatusCode.ServiceUnavailable, true)]
    [TestCase(HttpStatusCode.NotFound, false)]
    public void GetCollateralAsync_HttpError_CollateralUnavailable(HttpStatusCode status, bool transient)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (fetcher, handler, _) = Create();
        handler.FailWith = status;

        var ex = Assert.ThrowsAsync<AttestationException>(() => fetcher.GetCollateralAsync("B0C06F000000", "platform", cts.Token));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Reason, Is.EqualTo(AttestationErrorReason.CollateralUnavailable));
            Assert.That(ex.IsTransient, Is.EqualTo(transient));
        });
    }

    [Test]
    public void GetCollateralAsync_MissingIssuerChainHeader_CollateralFormat()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (fetcher, handler, _) = Create();
        handler.OmitChainHeaders = true;

        var ex = Assert.ThrowsAsync<AttestationException>(() => fetcher.GetCollateralAsync("B0C06F000000", "platform", cts.Token));

        Assert.That(ex!.Reason, Is.EqualTo(AttestationErrorReason.CollateralFormat));
    }
}
