using System.Diagnostics;
using System.Globalization;
using PhalaWorker.Attestation.Gpu.Evidence;
using PhalaWorker.Attestation.Gpu.Ocsp;
using PhalaWorker.Attestation.Gpu.Policy;
using PhalaWorker.Attestation.Gpu.Rim;
using PhalaWorker.Attestation.Gpu.Spdm;
using PhalaWorker.Attestation.Gpu.Verification;
using PhalaWorker.Attestation.Internal;

namespace PhalaWorker.Benchmarks.Attestation;

/// <summary>
/// <c>harness gpu-verify [iterations]</c>: full local verifications per second of the real H100 set (report, 5-cert chain,
/// device OCSP, both RIMs; everything in memory, RIMs parsed once), and the time of each part, to show what dominates.
/// </summary>
public sealed class GpuVerificationHarness : IHarness
{
    public string Name => "gpu-verify";

    public async Task<int> RunAsync(string[] args)
    {
        var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50;
        var data = Path.Combine(FindRepoRoot(), "tests", "testdata", "gpu-attestation");
        var report = await File.ReadAllBytesAsync(Path.Combine(data, "attestation_report.bin"));
        var chainPem = await File.ReadAllBytesAsync(Path.Combine(data, "cert_chain.pem"));
        var nonce = Convert.FromHexString((await File.ReadAllTextAsync(Path.Combine(data, "nonce.hex"))).Trim());
        var ocspFiles = new[] { "gpu_chain_idx1_GSP_BROM", "gpu_chain_idx2_Provisioner_ICA1", "gpu_chain_idx3_GH100_Identity" }
            .Select(n => File.ReadAllBytes(Path.Combine(data, "ocsp", n + ".ocsp.der"))).ToList();
        const string driverId = "NV_GPU_DRIVER_GH100_550.90.07";
        const string vbiosId = "NV_GPU_VBIOS_1010_0200_882_96009F0001";
        var driverXml = await File.ReadAllBytesAsync(Path.Combine(data, "rims", driverId + ".swidtag"));
        var vbiosXml = await File.ReadAllBytesAsync(Path.Combine(data, "rims", vbiosId + ".swidtag"));
        var at = new DateTimeOffset(2025, 8, 21, 12, 0, 0, TimeSpan.Zero);

        var item = new GpuEvidenceItem { Arch = "HOPPER", Report = report, CertificateChainPem = chainPem, Nonce = nonce, DriverVersion = "550.90.07", VbiosVersion = "96.00.9f.00.01" };
        var ocsp = OcspResponseSet.FromDer(ocspFiles);
        var rims = new[] { ReferenceIntegrityManifest.Parse(driverXml, driverId), ReferenceIntegrityManifest.Parse(vbiosXml, vbiosId) };
        var full = new GpuVerificationContext { At = at, Policy = GpuAttestationPolicy.Strict with { AllowMissingOcsp = true }, Ocsp = ocsp, ExpectedNonce = nonce, Rims = rims };
        var deviceOnly = full with { Policy = full.Policy with { RequireRims = false }, Rims = [] };

        var verdict = GpuVerifier.Verify([item], full);
        if (!verdict.Valid)
        {
            await Console.Error.WriteLineAsync("the real set does not verify: " + verdict.Reason);
            return 1;
        }

        var ders = Pem.SplitCertificates(chainPem);
        var parsedReport = GpuAttestationReportParser.Parse(report);
        var chain = GpuCertificateChain.Verify(ders, GpuTrustedRoots.NvidiaDevice, at, 5, "device chain").Certificates;
        var rimVerifier = new RimVerifier();
        var rimChains = rims.Select(r => rimVerifier.Verify(r, at).VerifiedChain.Select(c => c.Der).ToList()).ToList();
        var blocks = parsedReport.Response.Blocks.ToDictionary(b => (int)b.Index, b => (ReadOnlyMemory<byte>)b.Value);

        var rows = new List<(string Part, double Ms)>
        {
            ("full verify (device + OCSP + 2 RIMs)", Time(iterations, () => GpuVerifier.Verify([item], full))),
            ("full verify, device checks only", Time(iterations, () => GpuVerifier.Verify([item], deviceOnly))),
            ("  report parse (SPDM)", Time(iterations * 20, () => GpuAttestationReportParser.Parse(report))),
            ("  report signature (P-384 verify)", Time(iterations * 5, () => GpuVerifier.VerifyReportSignature(chain[0], report, parsedReport.SignedLength))),
            ("  device chain (PEM, 5 certs parse, 5 verifies)", Time(iterations * 2, () => GpuCertificateChain.Verify(Pem.SplitCertificates(chainPem), GpuTrustedRoots.NvidiaDevice, at, 5, "device chain"))),
            ("  device OCSP check (3 responses)", Time(iterations * 2, () => OcspChecker.CheckChain(chain, 1, 3, ocsp, new OcspCheckOptions { At = at }))),
            ("  OCSP decode (3 DER responses)", Time(iterations * 2, () => OcspResponseSet.FromDer(ocspFiles))),
            ("  RIM verify x2 (C14N digest, signature, chain)", Time(iterations, () => { rimVerifier.Verify(rims[0], at); rimVerifier.Verify(rims[1], at); })),
            ("  RIM OCSP x2 chains (indices 0..2, none given)", Time(iterations, () => { foreach (var c in rimChains) { OcspChecker.CheckChain(c, 0, c.Count - 2, ocsp, new OcspCheckOptions { At = at }); } })),
            ("  measurement comparison (33 golden values)", Time(iterations * 20, () => RimMeasurementComparer.Compare(rims[0], rims[1], blocks, parsedReport.Nvdec0Status))),
            ("  RIM parse x2 (not in full verify: parsed once)", Time(iterations, () => { ReferenceIntegrityManifest.Parse(driverXml, driverId); ReferenceIntegrityManifest.Parse(vbiosXml, vbiosId); })),
        };

        Console.WriteLine($"gpu-verify: real H100 set, {iterations} iterations ({Environment.ProcessorCount} cores)");
        foreach (var (part, ms) in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{part,-52} {ms,10:F3} ms  {1000 / ms,10:F1} /s"));
        }

        return 0;
    }

    private static double Time(int iterations, Action action)
    {
        for (var i = 0; i < Math.Max(3, iterations / 10); i++)
        {
            action();
        }

        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            action();
        }

        return stopwatch.Elapsed.TotalMilliseconds / iterations;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "tests", "testdata")) && Directory.Exists(Path.Combine(dir.FullName, "src")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
