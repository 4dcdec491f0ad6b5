using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Org.BouncyCastle.Ocsp;
using PhalaWorker.Attestation.Gpu.Collateral;
using PhalaWorker.Attestation.Gpu.Spdm;
using PhalaWorker.Testing;

namespace PhalaWorker.Attestation.Tests.Gpu.Collateral;

/// <summary>
/// <see cref="GpuCollateralFetcher"/> against NVIDIA's RIM service and OCSP responder shapes, served at the HTTP edge from
/// the real H100 set's RIMs and OCSP responses (tests/testdata/gpu-attestation).
/// </summary>
public sealed class GpuCollateralFetcherTests
{
    private const string DriverRim = "NV_GPU_DRIVER_GH100_550.90.07";
    private const string VbiosRim = "NV_GPU_VBIOS_1010_0200_882_96009F0001";

    private static IEnumerable<string> AllOcspFiles => GpuTestData.DeviceOcspFiles.Concat(GpuTestData.RimOcspFiles);

    /// <summary>RIM service (<c>GET /v1/rim/{id}</c> → JSON) and OCSP responder (<c>POST /</c>, answered by CertID) at the HTTP edge.</summary>
    private sealed class FakeNvidiaHandler : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        public HashSet<string> MissingRims { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> RimSubstitutes { get; } = new(StringComparer.Ordinal);

        public bool Fail { get; set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var url = request.RequestUri!;
            Requests.Add($"{request.Method} {url.Host}{url.AbsolutePath}");
            if (Fail)
            {
                throw new HttpRequestException("connection refused");
            }

            if (request.Method == HttpMethod.Get && url.Host == "rim.example" && url.AbsolutePath.StartsWith("/v1/rim/", StringComparison.Ordinal))
            {
                var id = Uri.UnescapeDataString(url.AbsolutePath["/v1/rim/".Length..]);
                if (MissingRims.Contains(id) || !File.Exists(GpuTestData.PathOf(Path.Combine("rims", id + ".swidtag"))))
                {
                    return new HttpResponseMessage(HttpStatusCode.NotFound);
                }

                var served = RimSubstitutes.GetValueOrDefault(id, id);
                var json = $$"""{"id":"{{id}}","rim":"{{Convert.ToBase64String(GpuTestData.Rim(served))}}","rim_format":"SWID"}""";
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            }

            if (request.Method == HttpMethod.Post && url.Host == "ocsp.example")
            {
                Assert.That(request.Content!.Headers.ContentType!.MediaType, Is.EqualTo("application/ocsp-request"));
                var ocspRequest = new OcspReq(await request.Content.ReadAsByteArrayAsync(cancellationToken));
                var wanted = ocspRequest.GetRequestList().Single().GetCertID();
                Assert.That(wanted.HashAlgOid, Is.EqualTo("2.16.840.1.101.3.4.2.2"), "CertIDs use SHA-384, as NVIDIA's responder expects");
                foreach (var name in AllOcspFiles)
                {
                    var der = GpuTestData.Ocsp(name);
                    if (((BasicOcspResp)new OcspResp(der).GetResponseObject()).Responses.Any(r => r.GetCertID().Equals(wanted)))
                    {
                        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(der) };
                    }
                }

                return new HttpResponseMessage(HttpStatusCode.NotFound);
            }

            return new HttpResponseMessage(HttpStatusCode.NotFound);
        }
    }


    private static (GpuCollateralFetcher Fetcher, FakeNvidiaHandler Handler, FakeTimeProvider Time) Create(string? cacheDirectory = null, string? offlineDirectory = null)
    {
        var handler = new FakeNvidiaHandler();
        var time = new FakeTimeProvider(GpuTestData.DeviceOcspTime);
        var options = new GpuCollateralOptions
        {
            RimServiceUrl = new Uri("https://rim.example/v1/rim/"),
            OcspUrl = new Uri("https://ocsp.example/"),
            CacheDirectory = cacheDirectory,
            OfflineDirectory = offlineDirectory,
        };
        return (new GpuCollateralFetcher(new TestHttpClientFactory(handler), options, time), handler, time);
    }

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Test]
    public void Defaults_AreNvidiasServices()
    {
        var options = new GpuCollateralOptions();

        Assert.That(options.RimServiceUrl, Is.EqualTo(new Uri("https://rim.attestation.nvidia.com/v1/rim/")));
        Assert.That(options.OcspUrl, Is.EqualTo(new Uri("https://ocsp.ndis.nvidia.com/")));
        Assert.That(options.OcspNonce, Is.True);
    }

    [Test]
    public async Task CollectAsync_RealH100_FetchesBothRimsAndEveryChainsOcspAsync()
    {
        var (fetcher, handler, _) = Create();

        var collateral = await fetcher.CollectAsync([GpuTestData.Item()], Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(collateral.Missing, Is.Empty);
            Assert.That(collateral.Rims.Keys, Is.EquivalentTo(new[] { DriverRim, VbiosRim }));
            Assert.That(collateral.Rims[DriverRim], Is.EqualTo(GpuTestData.Rim(DriverRim)));
            // Device chain 1..3 and each RIM chain's 0..2, the L3 and CA responses shared by both RIMs: 7 distinct responses.
            Assert.That(collateral.OcspResponses.Select(Convert.ToHexString), Is.EquivalentTo(AllOcspFiles.Select(n => Convert.ToHexString(GpuTestData.Ocsp(n)))));
            Assert.That(handler.Requests.Count(r => r.StartsWith("GET", StringComparison.Ordinal)), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task CollectAsync_Twice_ServedFromMemoryAsync()
    {
        var (fetcher, handler, _) = Create();
        await fetcher.CollectAsync([GpuTestData.Item()], Timeout);
        var first = handler.Requests.Count;

        var again = await fetcher.CollectAsync([GpuTestData.Item()], Timeout);

        Assert.That(handler.Requests, Has.Count.EqualTo(first), "every RIM signer and OCSP nextUpdate is still ahead");
        Assert.That(again.Missing, Is.Empty);
    }

    [Test]
    public async Task CollectAsync_PastDeviceOcspNextUpdate_RefetchesOnlyThoseAsync()
    {
        var (fetcher, handler, time) = Create();
        await fetcher.CollectAsync([GpuTestData.Item()], Timeout);
        var first = handler.Requests.Count;

        time.SetUtcNow(new DateTimeOffset(2025, 8, 22, 6, 45, 0, TimeSpan.Zero)); // within 5 minutes of the device responses' nextUpdate
        await fetcher.CollectAsync([GpuTestData.Item()], Timeout);

        Assert.That(handler.Requests.Skip(first), Is.EqualTo(Enumerable.Repeat("POST ocsp.example/", 3)));
    }

    [Test]
    public async Task CollectAsync_DiskCache_ReusedByANewFetcherAsync()
    {
        var directory = Directory.CreateTempSubdirectory("gpu-collateral-cache");
        try
        {
            var (first, _, _) = Create(directory.FullName);
            await first.CollectAsync([GpuTestData.Item()], Timeout);
            var (second, handler, _) = Create(directory.FullName);

            var collateral = await second.CollectAsync([GpuTestData.Item()], Timeout);

            Assert.That(handler.Requests, Is.Empty);
            Assert.That(collateral.Missing, Is.Empty);
            Assert.That(collateral.OcspResponses, Has.Count.EqualTo(7));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Test]
    public async Task CollectAsync_OfflineDirectory_NoNetworkAsync()
    {
        var directory = Directory.CreateTempSubdirectory("gpu-collateral-offline");
        try
        {
            foreach (var id in new[] { DriverRim, VbiosRim })
            {
                await File.WriteAllBytesAsync(Path.Combine(directory.FullName, id + ".swidtag"), GpuTestData.Rim(id));
            }

            foreach (var name in AllOcspFiles)
            {
                await File.WriteAllBytesAsync(Path.Combine(directory.FullName, name + ".ocsp.der"), GpuTestData.Ocsp(name));
            }

            var (fetcher, handler, _) = Create(offlineDirectory: directory.FullName);
            handler.Fail = true;

            var collateral = await fetcher.CollectAsync([GpuTestData.Item()], Timeout);

            Assert.That(handler.Requests, Is.Empty);
            Assert.That(collateral.Missing, Is.Empty);
            Assert.That(collateral.Rims.Keys, Is.EquivalentTo(new[] { DriverRim, VbiosRim }));
            Assert.That(collateral.OcspResponses, Has.Count.EqualTo(7));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Test]
    public async Task CollectAsync_RimNotFound_ListedMissingNeverInventedAsync()
    {
        var (fetcher, handler, _) = Create();
        handler.MissingRims.Add(VbiosRim);

        var collateral = await fetcher.CollectAsync([GpuTestData.Item()], Timeout);

        Assert.That(collateral.Rims.Keys, Is.EqualTo(new[] { DriverRim }));
        Assert.That(collateral.Missing, Has.One.EqualTo($"RIM {VbiosRim}: the RIM service answered HTTP 404"));
    }

    [Test]
    public async Task GetRimAsync_ServiceAnswersAnotherRim_RefusedAsync()
    {
        var (fetcher, handler, _) = Create();
        handler.RimSubstitutes[VbiosRim] = DriverRim; // the id in the JSON says VBIOS, the document is the driver RIM

        var (xml, why) = await fetcher.GetRimAsync(VbiosRim, Timeout);

        Assert.That(xml, Is.Null);
        Assert.That(why, Is.Not.Null.And.Not.Empty);
    }

    [Test]
    public async Task CollectAsync_NetworkDown_EverythingMissingWithReasonsAsync()
    {
        var (fetcher, handler, _) = Create();
        handler.Fail = true;

        var collateral = await fetcher.CollectAsync([GpuTestData.Item()], Timeout);

        Assert.That(collateral.Rims, Is.Empty);
        Assert.That(collateral.OcspResponses, Is.Empty);
        Assert.That(collateral.Missing, Has.Count.EqualTo(5)); // 3 device-chain OCSP + 2 RIMs (their chains are then not reached)
        Assert.That(collateral.Missing, Has.All.Contain("connection refused"));
    }

    [Test]
    public void ParseRimServiceResponse_NoRimField_Refused()
    {
        Assert.Throws<FormatException>(() => GpuCollateralFetcher.ParseRimServiceResponse("""{"id":"NV_GPU_DRIVER_GH100_550.90.07"}"""u8.ToArray(), DriverRim));
    }

    [Test]
    public async Task ToJson_FromJson_RoundTripsAndFeedsTheVerifierContextAsync()
    {
        var (fetcher, _, _) = Create();
        var collateral = await fetcher.CollectAsync([GpuTestData.Item()], Timeout);

        var back = GpuCollateral.FromJson(Encoding.UTF8.GetBytes(collateral.ToJson()));
        var context = back.ApplyTo(new Attestation.Gpu.Verification.GpuVerificationContext { At = GpuTestData.DeviceOcspTime });

        Assert.That(back.Rims.Keys, Is.EquivalentTo(collateral.Rims.Keys));
        Assert.That(back.OcspResponses, Is.EqualTo(collateral.OcspResponses));
        Assert.That(context.Rims, Has.Count.EqualTo(2));
        Assert.That(context.Ocsp.Count, Is.EqualTo(7));
    }

    [Test]
    public void ApplyTo_RimThatDoesNotParseUnderItsId_LeftOutSoItIsUnavailable()
    {
        var collateral = new GpuCollateral(
            new Dictionary<string, byte[]>(StringComparer.Ordinal) { [VbiosRim] = GpuTestData.Rim(DriverRim), [DriverRim] = GpuTestData.Rim(DriverRim) }, [], []);

        var context = collateral.ApplyTo(new Attestation.Gpu.Verification.GpuVerificationContext { At = GpuTestData.RimChainTime });

        Assert.That(context.Rims.Select(r => r.Id.ToString()), Is.EqualTo(new[] { DriverRim }), "the driver RIM stapled under the VBIOS id is dropped");
    }

    [TestCase("""{"format":"other"}""", "gpuCollateral.format")]
    [TestCase("""{"format":"phala-worker/gpu-collateral/v1","rims":{"x":"%%%"}}""", "gpuCollateral.rims.x")]
    [TestCase("""{"format":"phala-worker/gpu-collateral/v1","ocsp":[1]}""", "gpuCollateral.ocsp[0]")]
    [TestCase("""{"format":""", "gpuCollateral")]
    public void FromJson_Malformed_NamesTheField(string json, string field)
    {
        var ex = Assert.Throws<GpuEvidenceFormatException>(() => GpuCollateral.FromJson(Encoding.UTF8.GetBytes(json)));

        Assert.That(ex!.Field, Is.EqualTo(field));
    }
}
