using System.Text.Json;
using PhalaWorker.Attestation.Gpu.Evidence;
using PhalaWorker.Attestation.Gpu.Ocsp;

namespace PhalaWorker.Attestation.Tests.Gpu;

/// <summary>The real H100 set in tests/testdata/gpu-attestation (see its README for origin and verification times).</summary>
internal static class GpuTestData
{
    /// <summary>Inside the device-chain OCSP responses' window (thisUpdate 2025-08-21T06:47:07Z .. nextUpdate 2025-08-22T06:47:07Z).</summary>
    public static readonly DateTimeOffset DeviceOcspTime = new(2025, 8, 21, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Inside the RIM-chain OCSP responses' window (2025-10-24T11:32:22Z .. 2025-10-25T11:32:21Z).</summary>
    public static readonly DateTimeOffset RimOcspTime = new(2025, 10, 24, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The time go-nvattest-tools' all-pass test uses (RIM chains valid, no OCSP window).</summary>
    public static readonly DateTimeOffset RimChainTime = new(2025, 9, 21, 0, 0, 0, TimeSpan.Zero);

    public static readonly string[] DeviceOcspFiles = ["gpu_chain_idx1_GSP_BROM", "gpu_chain_idx2_Provisioner_ICA1", "gpu_chain_idx3_GH100_Identity"];

    public static readonly string[] RimOcspFiles = ["driver_rim_idx0_L4_signer", "vbios_rim_idx0_L4_signer", "rim_idx1_L3_GH100_002", "rim_idx2_RefValue_GH100_CA"];

    public static string Directory => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "gpu-attestation");

    public static string PathOf(string name) => Path.Combine(Directory, name);

    public static byte[] Report => File.ReadAllBytes(PathOf("attestation_report.bin"));

    public static byte[] ChainPem => File.ReadAllBytes(PathOf("cert_chain.pem"));

    public static byte[] Nonce => Convert.FromHexString(File.ReadAllText(PathOf("nonce.hex")).Trim());

    public static JsonElement Expected => JsonDocument.Parse(File.ReadAllText(PathOf("expected.json"))).RootElement;

    public static byte[] Ocsp(string name) => File.ReadAllBytes(PathOf(Path.Combine("ocsp", name + ".ocsp.der")));

    public static OcspResponseSet DeviceOcsp => OcspResponseSet.FromDer(DeviceOcspFiles.Select(Ocsp));

    public static OcspResponseSet AllOcsp => OcspResponseSet.FromDer(DeviceOcspFiles.Concat(RimOcspFiles).Select(Ocsp));

    public static byte[] Rim(string id) => File.ReadAllBytes(PathOf(Path.Combine("rims", id + ".swidtag")));

    public static GpuEvidenceItem Item(byte[]? report = null, byte[]? chain = null, string? driver = "550.90.07", string? vbios = "96.00.9f.00.01") => new()
    {
        Arch = "HOPPER",
        CertificateChainPem = chain ?? ChainPem,
        Report = report ?? Report,
        Nonce = Nonce,
        DriverVersion = driver,
        VbiosVersion = vbios,
    };
}
