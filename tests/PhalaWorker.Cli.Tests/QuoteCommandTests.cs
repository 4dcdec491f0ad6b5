using System.Text.Json;

namespace PhalaWorker.Cli.Tests;

public sealed class QuoteCommandTests
{
    private static string Data(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "attestation", name);

    private static string QuoteFile => Data("tdx_quote_v4.bin");

    private static string CollateralFile => Data("collateral.json");

    private static async Task<(int Exit, string Out, string Error)> RunAsync(params string[] args)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await CliApplication.RunAsync(args, stdout, stderr, cts.Token);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Test]
    public async Task Verify_RealQuoteAtGoodTime_Exit0WithJsonFieldsAsync()
    {
        var (exit, output, _) = await RunAsync("quote", "verify", "--quote", QuoteFile, "--collateral", CollateralFile, "--at", "2025-07-01T00:00:00Z", "--json");

        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(0));
            Assert.That(root.GetProperty("valid").GetBoolean(), Is.True);
            Assert.That(root.GetProperty("tcbStatus").GetString(), Is.EqualTo("UpToDate"));
            Assert.That(root.GetProperty("advisoryIds").GetArrayLength(), Is.Zero);
            Assert.That(root.TryGetProperty("reason", out var reason) && reason.ValueKind != JsonValueKind.Null, Is.False);
            Assert.That(root.GetProperty("measurements").GetProperty("mrTd").GetString(), Is.EqualTo("91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"));
            Assert.That(root.GetProperty("measurements").GetProperty("rtmr2").GetString(), Does.StartWith("d833feef"));
        });
    }

    [Test]
    public async Task Verify_UnixSecondsAfterPckCrlNextUpdate_Exit1WithReasonAndTcbStatusAsync()
    {
        var (exit, output, _) = await RunAsync("quote", "verify", "--quote", QuoteFile, "--collateral", CollateralFile, "--at", "1752919236", "--json");

        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(root.GetProperty("valid").GetBoolean(), Is.False);
            Assert.That(root.GetProperty("tcbStatus").GetString(), Is.EqualTo("UpToDate"));
            Assert.That(root.GetProperty("failedCheck").GetString(), Is.EqualTo("PckCrl"));
            Assert.That(root.GetProperty("reason").GetString(), Does.Contain("PCK CRL expired"));
        });
    }

    [Test]
    public async Task Verify_HexQuoteFile_AcceptedAsync()
    {
        var hexFile = Path.Combine(Path.GetTempPath(), $"quote-{Guid.NewGuid():N}.hex");
        await File.WriteAllTextAsync(hexFile, Convert.ToHexStringLower(await File.ReadAllBytesAsync(QuoteFile)) + "\n");
        try
        {
            var (exit, output, _) = await RunAsync("quote", "verify", "--quote", hexFile, "--collateral", CollateralFile, "--at", "1751328000");

            Assert.Multiple(() =>
            {
                Assert.That(exit, Is.EqualTo(0));
                Assert.That(output, Does.StartWith("ACCEPTED"));
            });
        }
        finally
        {
            File.Delete(hexFile);
        }
    }

    [Test]
    public async Task Verify_PolicyWithOtherMrTd_Exit1MeasurementPolicyAsync()
    {
        var policyFile = Path.Combine(Path.GetTempPath(), $"policy-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(policyFile, $$"""{ "minimumTcbStatus": "UpToDate", "allowedMrTd": ["{{new string('0', 96)}}"] }""");
        try
        {
            var (exit, output, _) = await RunAsync("quote", "verify", "--quote", QuoteFile, "--collateral", CollateralFile, "--at", "1751328000", "--policy", policyFile, "--json");

            using var doc = JsonDocument.Parse(output);
            Assert.Multiple(() =>
            {
                Assert.That(exit, Is.EqualTo(1));
                Assert.That(doc.RootElement.GetProperty("failedCheck").GetString(), Is.EqualTo("MeasurementPolicy"));
                Assert.That(doc.RootElement.GetProperty("tcbStatus").GetString(), Is.EqualTo("UpToDate"));
            });
        }
        finally
        {
            File.Delete(policyFile);
        }
    }

    [Test]
    public async Task Verify_Iterations_AddsMsPerVerifyAsync()
    {
        var (exit, output, _) = await RunAsync("quote", "verify", "--quote", QuoteFile, "--collateral", CollateralFile, "--at", "1751328000", "--json", "--iterations", "5");

        using var doc = JsonDocument.Parse(output);
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(0));
            Assert.That(doc.RootElement.GetProperty("msPerVerify").GetDouble(), Is.GreaterThan(0));
            Assert.That(doc.RootElement.GetProperty("iterations").GetInt32(), Is.EqualTo(5));
        });
    }

    [Test]
    public async Task Verify_TruncatedQuote_Exit2Async()
    {
        var file = Path.Combine(Path.GetTempPath(), $"quote-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(file, (await File.ReadAllBytesAsync(QuoteFile))[..700]);
        try
        {
            var (exit, output, _) = await RunAsync("quote", "verify", "--quote", file, "--collateral", CollateralFile, "--at", "1751328000", "--json");

            using var doc = JsonDocument.Parse(output);
            Assert.Multiple(() =>
            {
                Assert.That(exit, Is.EqualTo(2));
                Assert.That(doc.RootElement.GetProperty("failedCheck").GetString(), Is.EqualTo("QuoteFormat"));
            });
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TestCase("--at", "yesterday")]
    [TestCase("--collateral", "missing.json")]
    [TestCase("--quote", "missing.bin")]
    public async Task Verify_UnusableInput_Exit2Async(string option, string value)
    {
        var args = new List<string> { "quote", "verify", "--quote", QuoteFile, "--collateral", CollateralFile, "--at", "1751328000" };
        var index = args.IndexOf(option);
        args[index + 1] = value;

        var (exit, _, error) = await RunAsync([.. args]);

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(2));
            Assert.That(error, Does.Contain("error"));
        });
    }

    [Test]
    public async Task Verify_CollateralNotJson_Exit2Async()
    {
        var (exit, _, error) = await RunAsync("quote", "verify", "--quote", QuoteFile, "--collateral", QuoteFile, "--at", "1751328000");

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(2));
            Assert.That(error, Does.Contain("collateral"));
        });
    }

    [Test]
    public async Task Show_RealQuote_PrintsDecodedFieldsAsync()
    {
        var (exit, output, _) = await RunAsync("quote", "show", QuoteFile);

        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(0));
            Assert.That(root.GetProperty("version").GetInt32(), Is.EqualTo(4));
            Assert.That(root.GetProperty("header").GetProperty("teeType").GetString(), Is.EqualTo("0x00000081"));
            Assert.That(root.GetProperty("body").GetProperty("mrTd").GetString(), Does.StartWith("91eb2b44"));
            Assert.That(root.GetProperty("signatureData").GetProperty("certificationData").GetProperty("type").GetInt32(), Is.EqualTo(6));
            Assert.That(root.GetProperty("signatureData").GetProperty("certificationData").GetProperty("qeReport").GetProperty("isvSvn").GetInt32(), Is.EqualTo(6));
            Assert.That(root.GetProperty("signatureData").GetProperty("certificationData").GetProperty("inner").GetProperty("certificates").GetInt32(), Is.EqualTo(3));
            Assert.That(root.GetProperty("trailingBytes").GetInt32(), Is.EqualTo(70));
        });
    }

    [Test]
    public async Task Show_Garbage_Exit2Async()
    {
        var (exit, _, error) = await RunAsync("quote", "show", CollateralFile);

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(2));
            Assert.That(error, Does.Contain("header.version"));
        });
    }

    [Test]
    public async Task Emulate_ThenVerify_AcceptedOnlyWithAllowEmulatedAsync()
    {
        var dir = Directory.CreateTempSubdirectory("quote-emulate-");
        try
        {
            var quote = Path.Combine(dir.FullName, "quote.bin");
            var collateral = Path.Combine(dir.FullName, "collateral.json");
            var root = Path.Combine(dir.FullName, "root.der");
            var (emulateExit, _, _) = await RunAsync("quote", "emulate", "--report-data", new string('a', 128), "--out", quote, "--collateral-out", collateral,
                "--root-out", root, "--seed", "000102030405060708090a0b0c0d0e0f", "--at", "2025-06-01T00:00:00Z");

            var strict = await RunAsync("quote", "verify", "--quote", quote, "--collateral", collateral, "--at", "2025-06-02T00:00:00Z", "--json");
            var emulated = await RunAsync("quote", "verify", "--quote", quote, "--collateral", collateral, "--at", "2025-06-02T00:00:00Z", "--json", "--allow-emulated", "--emulated-root", root);

            using var strictDoc = JsonDocument.Parse(strict.Out);
            using var emulatedDoc = JsonDocument.Parse(emulated.Out);
            Assert.Multiple(() =>
            {
                Assert.That(emulateExit, Is.EqualTo(0));
                Assert.That(strict.Exit, Is.EqualTo(1));
                Assert.That(strictDoc.RootElement.GetProperty("failedCheck").GetString(), Is.EqualTo("TrustedRoot"));
                Assert.That(emulated.Exit, Is.EqualTo(0));
                Assert.That(emulatedDoc.RootElement.GetProperty("emulated").GetBoolean(), Is.True);
                Assert.That(emulatedDoc.RootElement.GetProperty("measurements").GetProperty("reportData").GetString(), Is.EqualTo(new string('a', 128)));
            });
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
