using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using PhalaWorker.Attestation.Gpu.Rim;

namespace PhalaWorker.Benchmarks.Attestation;

/// <summary>
/// <c>harness rim-verify [iterations]</c>: per-stage cost of NVIDIA RIM handling on the real H100 driver RIM — parse, the
/// Reference digest (C14N of the document + SHA-384), SignedInfo C14N, certificate decoding, a full verify, parse + verify,
/// the golden-value comparison — next to a baseline of the five ECDSA P-384 verifications a RIM needs (SignedInfo, three
/// chain links, the root's self-signature), so a loaded machine still gives a meaningful ratio.
/// </summary>
public sealed class RimVerificationHarness : IHarness
{
    public string Name => "rim-verify";

    public async Task<int> RunAsync(string[] args)
    {
        var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        var data = FindData();
        var driverXml = await File.ReadAllBytesAsync(Path.Combine(data, "rims", "NV_GPU_DRIVER_GH100_550.90.07.swidtag"));
        var vbios = ReferenceIntegrityManifest.Load(Path.Combine(data, "rims", "NV_GPU_VBIOS_1010_0200_882_96009F0001.swidtag"));
        using var expected = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(data, "expected.json")));
        var spdm = expected.RootElement.GetProperty("measurement_blocks").EnumerateArray().ToDictionary(
            b => b.GetProperty("index").GetInt32(),
            b => (ReadOnlyMemory<byte>)Convert.FromHexString(b.GetProperty("value").GetString()!));
        var at = new DateTimeOffset(2025, 9, 21, 0, 0, 0, TimeSpan.Zero);
        var verifier = new RimVerifier();
        var driver = ReferenceIntegrityManifest.Parse(driverXml, "NV_GPU_DRIVER_GH100_550.90.07");
        if (!verifier.Verify(driver, at).Valid)
        {
            await Console.Error.WriteLineAsync("the sample driver RIM must verify");
            return 1;
        }

        // Baseline: the five P-384 verifications, with the keys already imported.
        using var signerCertificate = X509CertificateLoader.LoadCertificate(driver.CertificateChain[0]);
        using var key = signerCertificate.GetECDsaPublicKey()!;
        var signedInfo = RimCanonicalizer.SignedInfo(driver);
        var signatureValue = driver.Signature.SignatureValue;

        var figures = new (string Name, Action Work)[]
        {
            ("parse", () => ReferenceIntegrityManifest.Parse(driverXml, "NV_GPU_DRIVER_GH100_550.90.07")),
            ("reference digest (c14n + sha384)", () => RimCanonicalizer.ReferenceDigest(driver)),
            ("signedinfo c14n", () => RimCanonicalizer.SignedInfo(driver)),
            ("decode 4 certificates", () =>
            {
                foreach (var der in driver.CertificateChain)
                {
                    RimCertificate.Parse(der);
                }
            }),
            ("verify cold (new verifier)", () => new RimVerifier().Verify(driver, at)),
            ("verify warm (same rim again)", () => verifier.Verify(driver, at)),
            ("parse + verify cold", () => new RimVerifier().Verify(ReferenceIntegrityManifest.Parse(driverXml, "NV_GPU_DRIVER_GH100_550.90.07"), at)),
            ("compare (33 golden values)", () => RimMeasurementComparer.Compare(driver, vbios, spdm, RimMeasurementComparer.Nvdec0Disabled)),
            ("baseline: 5 x ecdsa-p384 verify", () =>
            {
                for (var i = 0; i < 5; i++)
                {
                    key.VerifyData(signedInfo, signatureValue, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                }
            }),
        };

        var results = new Dictionary<string, double>();
        foreach (var (name, work) in figures)
        {
            for (var i = 0; i < Math.Max(10, iterations / 10); i++)
            {
                work();
            }

            var sw = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                work();
            }

            results[name] = sw.Elapsed.TotalMilliseconds / iterations;
        }

        var baseline = results["baseline: 5 x ecdsa-p384 verify"];
        await Console.Out.WriteLineAsync($"rim-verify: {iterations} iterations, {Environment.ProcessorCount} CPUs, load average {await LoadAverageAsync()}");
        foreach (var (name, ms) in results)
        {
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {name,-36} {ms,9:F3} ms  ({ms / baseline:F2}x baseline)"));
        }

        return 0;
    }

    private static async Task<string> LoadAverageAsync() =>
        File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg")).Split(' ')[0] : "n/a";

    private static string FindData()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "tests", "testdata", "gpu-attestation")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? Directory.GetCurrentDirectory(), "tests", "testdata", "gpu-attestation");
    }
}
