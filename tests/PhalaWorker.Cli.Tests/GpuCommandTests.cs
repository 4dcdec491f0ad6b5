using System.Text;
using System.Text.Json;

namespace PhalaWorker.Cli.Tests;

public sealed class GpuCommandTests
{
    private static readonly string[] GpuFields =
    [
        "index", "arch", "driverVersion", "vbiosVersion", "nonceMatch", "signatureVerified", "certChainVerified", "fwidMatch", "ocsp",
        "driverRim", "vbiosRim", "measurements", "mismatchedIndices", "valid",
    ];

    private string _temp = string.Empty;

    private static string Data(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "gpu-attestation", name);

    private static string Report => Data("attestation_report.bin");

    private static string Chain => Data("cert_chain.pem");

    private static string Nonce => File.ReadAllText(Data("nonce.hex")).Trim();

    private static string DriverRim => Data("rims/NV_GPU_DRIVER_GH100_550.90.07.swidtag");

    private static string VbiosRim => Data("rims/NV_GPU_VBIOS_1010_0200_882_96009F0001.swidtag");

    [SetUp]
    public void SetUp()
    {
        _temp = Path.Combine(Path.GetTempPath(), $"gpu-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_temp);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_temp, recursive: true);

    private static async Task<(int Exit, string Out, string Error)> RunAsync(params string[] args)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await CliApplication.RunAsync(args, stdout, stderr, cts.Token);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A directory holding the named OCSP responses (of tests/testdata/gpu-attestation/ocsp).</summary>
    private string OcspDirectory(params string[] names)
    {
        var dir = Path.Combine(_temp, "ocsp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        foreach (var name in names)
        {
            File.Copy(Data($"ocsp/{name}.ocsp.der"), Path.Combine(dir, name + ".ocsp.der"));
        }

        return dir;
    }

    private string DeviceOcsp => OcspDirectory("gpu_chain_idx1_GSP_BROM", "gpu_chain_idx2_Provisioner_ICA1", "gpu_chain_idx3_GH100_Identity");

    private string[] FullArgs(string at, string ocsp, params string[] extra) =>
        ["gpu", "verify", "--evidence", Report, "--cert-chain", Chain, "--nonce", Nonce, "--rim", DriverRim, "--rim", VbiosRim, "--ocsp", ocsp, "--at", at, "--json", .. extra];

    [Test]
    public async Task Verify_RealSetAtDeviceOcspTime_Exit0WithExactlyTheSpecifiedFieldsAsync()
    {
        var (exit, output, error) = await RunAsync(FullArgs("2025-08-21T12:00:00Z", DeviceOcsp, "--allow-missing-ocsp"));

        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        var gpu = root.GetProperty("gpus")[0];
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(0), error + output);
            Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "valid", "reason", "failedCheck", "gpus" }));
            Assert.That(gpu.EnumerateObject().Select(p => p.Name), Is.EqualTo(GpuFields));
            Assert.That(root.GetProperty("valid").GetBoolean(), Is.True);
            Assert.That(root.GetProperty("reason").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(gpu.GetProperty("arch").GetString(), Is.EqualTo("HOPPER"));
            Assert.That(gpu.GetProperty("driverVersion").GetString(), Is.EqualTo("550.90.07"));
            Assert.That(gpu.GetProperty("vbiosVersion").GetString(), Is.EqualTo("96.00.9f.00.01"));
            Assert.That(gpu.GetProperty("nonceMatch").GetBoolean(), Is.True);
            Assert.That(gpu.GetProperty("signatureVerified").GetBoolean(), Is.True);
            Assert.That(gpu.GetProperty("certChainVerified").GetBoolean(), Is.True);
            Assert.That(gpu.GetProperty("fwidMatch").GetBoolean(), Is.True);
            Assert.That(gpu.GetProperty("ocsp").GetString(), Is.EqualTo("unavailable"), "RIM-chain responses were not given");
            Assert.That(gpu.GetProperty("driverRim").GetString(), Is.EqualTo("verified"));
            Assert.That(gpu.GetProperty("vbiosRim").GetString(), Is.EqualTo("verified"));
            Assert.That(gpu.GetProperty("measurements").GetString(), Is.EqualTo("match"));
            Assert.That(gpu.GetProperty("mismatchedIndices").GetArrayLength(), Is.Zero);
            Assert.That(gpu.GetProperty("valid").GetBoolean(), Is.True);
        });
    }

    [Test]
    public async Task Verify_RealSetAtRimOcspTimeAllResponses_OcspGoodExceptExpiredDeviceOnes_Exit1Async()
    {
        var all = OcspDirectory("gpu_chain_idx1_GSP_BROM", "gpu_chain_idx2_Provisioner_ICA1", "gpu_chain_idx3_GH100_Identity",
            "driver_rim_idx0_L4_signer", "vbios_rim_idx0_L4_signer", "rim_idx1_L3_GH100_002", "rim_idx2_RefValue_GH100_CA");

        var (exit, output, _) = await RunAsync(FullArgs("2025-10-24T12:00:00Z", all));

        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(root.GetProperty("failedCheck").GetString(), Is.EqualTo("Ocsp"));
            Assert.That(root.GetProperty("reason").GetString(), Does.Contain("expired"));
            Assert.That(root.GetProperty("gpus")[0].GetProperty("ocsp").GetString(), Is.EqualTo("invalid"));
            Assert.That(root.GetProperty("gpus")[0].GetProperty("measurements").GetString(), Is.EqualTo("match"));
        });
    }

    [Test]
    public async Task Verify_StrictWithoutRims_Exit1RimsUnavailableAsync()
    {
        var (exit, output, _) = await RunAsync("gpu", "verify", "--evidence", Report, "--cert-chain", Chain, "--nonce", Nonce, "--ocsp", DeviceOcsp, "--at", "2025-08-21T12:00:00Z", "--json");

        using var doc = JsonDocument.Parse(output);
        var gpu = doc.RootElement.GetProperty("gpus")[0];
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(doc.RootElement.GetProperty("failedCheck").GetString(), Is.EqualTo("DriverRim"));
            Assert.That(gpu.GetProperty("driverRim").GetString(), Is.EqualTo("unavailable"));
            Assert.That(gpu.GetProperty("measurements").GetString(), Is.EqualTo("unavailable"));
            Assert.That(gpu.GetProperty("ocsp").GetString(), Is.EqualTo("good"));
        });
    }

    [Test]
    public async Task Verify_WrongNonce_Exit1NonceAsync()
    {
        var wrong = "00" + Nonce[2..];

        var (exit, output, _) = await RunAsync("gpu", "verify", "--evidence", Report, "--cert-chain", Chain, "--nonce", wrong, "--rim", DriverRim, "--rim", VbiosRim,
            "--at", "2025-08-21T12:00:00Z", "--allow-missing-ocsp", "--json");

        using var doc = JsonDocument.Parse(output);
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(doc.RootElement.GetProperty("failedCheck").GetString(), Is.EqualTo("Nonce"));
            Assert.That(doc.RootElement.GetProperty("gpus")[0].GetProperty("nonceMatch").GetBoolean(), Is.False);
        });
    }

    [Test]
    public async Task Verify_TamperedMeasurement_Exit1SignatureAndMismatchedIndexAsync()
    {
        var bytes = await File.ReadAllBytesAsync(Report);
        bytes[37 + 8 + 55 + 7] ^= 0x01; // SPDM block 2 = RIM index 1
        var hex = Path.Combine(_temp, "report.hex");
        await File.WriteAllTextAsync(hex, Convert.ToHexStringLower(bytes));

        var (exit, output, _) = await RunAsync("gpu", "verify", "--evidence", hex, "--cert-chain", Chain, "--nonce", Nonce, "--rim", DriverRim, "--rim", VbiosRim,
            "--at", "2025-08-21T12:00:00Z", "--allow-missing-ocsp", "--json");

        using var doc = JsonDocument.Parse(output);
        var gpu = doc.RootElement.GetProperty("gpus")[0];
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(doc.RootElement.GetProperty("failedCheck").GetString(), Is.EqualTo("ReportSignature"));
            Assert.That(gpu.GetProperty("signatureVerified").GetBoolean(), Is.False);
            Assert.That(gpu.GetProperty("measurements").GetString(), Is.EqualTo("mismatch"));
            Assert.That(gpu.GetProperty("mismatchedIndices").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 1 }));
        });
    }

    [Test]
    public async Task Verify_RemoteEvidenceJsonWithNvmlDriverMismatch_Exit1DriverVersionAsync()
    {
        var json = Path.Combine(_temp, "evidence.json");
        var item = new Dictionary<string, string>
        {
            ["arch"] = "HOPPER",
            ["certificate"] = Convert.ToBase64String(await File.ReadAllBytesAsync(Chain)),
            ["evidence"] = Convert.ToBase64String(await File.ReadAllBytesAsync(Report)),
            ["nonce"] = Nonce,
            ["driverVersion"] = "550.90.12",
            ["vbiosVersion"] = "96.00.9f.00.01",
        };
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new[] { item }));

        var (exit, output, _) = await RunAsync("gpu", "verify", "--evidence", json, "--nonce", Nonce, "--rim", DriverRim, "--rim", VbiosRim,
            "--at", "2025-08-21T12:00:00Z", "--allow-missing-ocsp", "--json");

        using var doc = JsonDocument.Parse(output);
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(doc.RootElement.GetProperty("failedCheck").GetString(), Is.EqualTo("DriverVersion"));
            Assert.That(doc.RootElement.GetProperty("reason").GetString(), Does.Contain("550.90.12"));
        });
    }

    [Test]
    public async Task Verify_RemoteEvidenceJsonMatchingRimByContent_Exit0WithIterationsAsync()
    {
        var json = Path.Combine(_temp, "evidence.json");
        var item = $$"""{"arch":"HOPPER","certificate":"{{Convert.ToBase64String(await File.ReadAllBytesAsync(Chain))}}","evidence":"{{Convert.ToBase64String(await File.ReadAllBytesAsync(Report))}}","nonce":"{{Nonce}}"}""";
        await File.WriteAllTextAsync(json, item);
        var renamed = Path.Combine(_temp, "driver.xml");
        File.Copy(DriverRim, renamed);

        var (exit, output, error) = await RunAsync("gpu", "verify", "--evidence", json, "--rim", renamed, "--rim", VbiosRim, "--ocsp", DeviceOcsp,
            "--at", "2025-08-21T12:00:00Z", "--allow-missing-ocsp", "--json", "--iterations", "2");

        using var doc = JsonDocument.Parse(output);
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(0), error);
            Assert.That(doc.RootElement.GetProperty("msPerVerify").GetDouble(), Is.GreaterThan(0));
            Assert.That(doc.RootElement.GetProperty("gpus")[0].GetProperty("driverRim").GetString(), Is.EqualTo("verified"));
        });
    }

    [Test]
    public async Task Verify_FourCertificateChain_Exit1CertificateChainAsync()
    {
        var pem = await File.ReadAllTextAsync(Chain);
        var four = string.Join("-----END CERTIFICATE-----", pem.Split("-----END CERTIFICATE-----").Take(4)) + "-----END CERTIFICATE-----\n";
        var chain = Path.Combine(_temp, "chain4.pem");
        await File.WriteAllTextAsync(chain, four);

        var (exit, output, _) = await RunAsync("gpu", "verify", "--evidence", Report, "--cert-chain", chain, "--nonce", Nonce, "--at", "2025-08-21T12:00:00Z", "--json");

        using var doc = JsonDocument.Parse(output);
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(doc.RootElement.GetProperty("failedCheck").GetString(), Is.EqualTo("CertificateChain"));
            Assert.That(doc.RootElement.GetProperty("gpus")[0].GetProperty("certChainVerified").GetBoolean(), Is.False);
        });
    }

    [Test]
    public async Task Verify_TruncatedReport_Exit2NamingTheFieldAsync()
    {
        var truncated = Path.Combine(_temp, "short.bin");
        await File.WriteAllBytesAsync(truncated, (await File.ReadAllBytesAsync(Report))[..200]);

        var (exit, output, _) = await RunAsync("gpu", "verify", "--evidence", truncated, "--cert-chain", Chain, "--nonce", Nonce, "--json");

        using var doc = JsonDocument.Parse(output);
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(2));
            Assert.That(doc.RootElement.GetProperty("failedCheck").GetString(), Is.EqualTo("EvidenceFormat"));
            Assert.That(doc.RootElement.GetProperty("reason").GetString(), Does.Contain("measurementRecordLength"));
        });
    }

    [TestCase("--nonce", "abcd")]
    [TestCase("--nonce", "zz")]
    public async Task Verify_BadNonce_Exit2Async(string option, string value)
    {
        var (exit, _, error) = await RunAsync("gpu", "verify", "--evidence", Report, "--cert-chain", Chain, option, value);

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(2));
            Assert.That(error, Does.Contain("--nonce"));
        });
    }

    [Test]
    public async Task Verify_RawReportWithoutChain_Exit2Async()
    {
        var (exit, _, error) = await RunAsync("gpu", "verify", "--evidence", Report, "--nonce", Nonce);

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(2));
            Assert.That(error, Does.Contain("--cert-chain"));
        });
    }

    [Test]
    public async Task Verify_MalformedJsonAndBadPolicyAndUnknownRim_Exit2Async()
    {
        var json = Path.Combine(_temp, "bad.json");
        await File.WriteAllTextAsync(json, "[{\"arch\":\"HOPPER\",\"surprise\":\"x\"}]");
        var policy = Path.Combine(_temp, "policy.json");
        await File.WriteAllTextAsync(policy, "{\"allowAnything\":true}");
        var rim = Path.Combine(_temp, "other.xml");
        await File.WriteAllTextAsync(rim, "<x/>");

        var badJson = await RunAsync("gpu", "verify", "--evidence", json);
        var badPolicy = await RunAsync("gpu", "verify", "--evidence", Report, "--cert-chain", Chain, "--nonce", Nonce, "--policy", policy);
        var badRim = await RunAsync("gpu", "verify", "--evidence", Report, "--cert-chain", Chain, "--nonce", Nonce, "--rim", rim);

        Assert.Multiple(() =>
        {
            Assert.That(badJson.Exit, Is.EqualTo(2));
            Assert.That(badJson.Error, Does.Contain("evidence[0].surprise"));
            Assert.That(badPolicy.Exit, Is.EqualTo(2));
            Assert.That(badPolicy.Error, Does.Contain("--policy"));
            Assert.That(badRim.Exit, Is.EqualTo(2));
            Assert.That(badRim.Error, Does.Contain("--rim other.xml"));
        });
    }

    [Test]
    public async Task Verify_PolicyFileRelaxingRimsAndOcsp_Exit0Async()
    {
        var policy = Path.Combine(_temp, "policy.json");
        await File.WriteAllTextAsync(policy, "{ \"requireRims\": false, \"allowMissingOcsp\": true, \"minimumDriverVersion\": \"550.54.15\" }");

        var (exit, output, _) = await RunAsync("gpu", "verify", "--evidence", Report, "--cert-chain", Chain, "--nonce", Nonce, "--policy", policy, "--at", "2026-01-01T00:00:00Z");

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(0), output);
            Assert.That(output, Does.StartWith("ACCEPTED"));
        });
    }

    [Test]
    public async Task Show_RealReport_DecodesHeaderBlocksAndOpaqueFieldsAsync()
    {
        var (exit, output, _) = await RunAsync("gpu", "show", Report);

        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(0));
            Assert.That(root.GetProperty("request").GetProperty("nonce").GetString(), Is.EqualTo(Nonce));
            Assert.That(root.GetProperty("response").GetProperty("numberOfBlocks").GetInt32(), Is.EqualTo(64));
            Assert.That(root.GetProperty("blocks").GetArrayLength(), Is.EqualTo(64));
            Assert.That(root.GetProperty("opaqueFields").GetArrayLength(), Is.EqualTo(14));
            Assert.That(root.GetProperty("decoded").GetProperty("vbiosRimId").GetString(), Is.EqualTo("NV_GPU_VBIOS_1010_0200_882_96009F0001"));
            Assert.That(root.GetProperty("decoded").GetProperty("driverRimId").GetString(), Is.EqualTo("NV_GPU_DRIVER_GH100_550.90.07"));
        });
    }

    [Test]
    public async Task Show_Garbage_Exit2Async()
    {
        var garbage = Path.Combine(_temp, "garbage.bin");
        await File.WriteAllBytesAsync(garbage, Encoding.ASCII.GetBytes("not a report at all, not hex either"));

        var (exit, _, error) = await RunAsync("gpu", "show", garbage);

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(2));
            Assert.That(error, Does.Contain("request"));
        });
    }
}
