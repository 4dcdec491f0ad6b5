using System.Text;
using System.Text.Json;

namespace PhalaWorker.Attestation.Tests.Gpu.Rim;

/// <summary>
/// Locates tests/testdata/gpu-attestation (the real H100 sample, origin in its README): next to the test assembly when the
/// project links it, otherwise found by walking up from the test directory to the repository's tests/testdata.
/// </summary>
internal static class RimTestData
{
    public const string DriverId = "NV_GPU_DRIVER_GH100_550.90.07";
    public const string VbiosId = "NV_GPU_VBIOS_1010_0200_882_96009F0001";

    /// <summary>Inside every RIM chain's validity window (the origin test's "now").</summary>
    public static readonly DateTimeOffset GoodTime = new(2025, 9, 21, 0, 0, 0, TimeSpan.Zero);

    /// <summary>notAfter of the VBIOS RIM's L4 signer (the earliest expiry of both chains).</summary>
    public static readonly DateTimeOffset VbiosSignerNotAfter = new(2026, 2, 22, 23, 17, 58, TimeSpan.Zero);

    /// <summary>notBefore of both RIMs' L4 signers.</summary>
    public static readonly DateTimeOffset SignerNotBefore = new(2024, 6, 1, 2, 8, 29, TimeSpan.Zero);

    private static readonly Lazy<string> Root = new(Locate);

    private static readonly Lazy<JsonDocument> ExpectedJson = new(() => JsonDocument.Parse(File.ReadAllText(PathOf("expected.json"))));

    public static string Directory => Root.Value;

    public static string PathOf(string name) => Path.Combine(Directory, name);

    public static byte[] DriverBytes => File.ReadAllBytes(PathOf($"rims/{DriverId}.swidtag"));

    public static byte[] VbiosBytes => File.ReadAllBytes(PathOf($"rims/{VbiosId}.swidtag"));

    public static string DriverXml => Encoding.UTF8.GetString(DriverBytes);

    public static string VbiosXml => Encoding.UTF8.GetString(VbiosBytes);

    public static JsonElement Expected => ExpectedJson.Value.RootElement;

    /// <summary>The report's SPDM measurement values by 1-based block index, from expected.json's measurement_blocks.</summary>
    public static Dictionary<int, ReadOnlyMemory<byte>> SpdmMeasurements() =>
        Expected.GetProperty("measurement_blocks").EnumerateArray().ToDictionary(
            b => b.GetProperty("index").GetInt32(),
            b => (ReadOnlyMemory<byte>)Convert.FromHexString(b.GetProperty("value").GetString()!));

    /// <summary>The report's NVDEC0 status byte (opaque field 11), from expected.json.</summary>
    public static byte Nvdec0Status => Convert.FromHexString(Expected.GetProperty("decoded").GetProperty("nvdec0_status_hex").GetString()!)[0];

    public static byte[] RimRootDer => PemToDer(File.ReadAllText(PathOf("roots/verifier_RIM_root.pem")));

    public static byte[] PemToDer(string pem)
    {
        var body = pem.Replace("-----BEGIN CERTIFICATE-----", string.Empty, StringComparison.Ordinal)
            .Replace("-----END CERTIFICATE-----", string.Empty, StringComparison.Ordinal);
        return Convert.FromBase64String(body);
    }

    private static string Locate()
    {
        var linked = Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "gpu-attestation");
        if (System.IO.Directory.Exists(linked))
        {
            return linked;
        }

        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "testdata", "gpu-attestation");
            if (File.Exists(Path.Combine(candidate, "expected.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/testdata/gpu-attestation not found above " + TestContext.CurrentContext.TestDirectory);
    }
}
