using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Attestation.Tdx;

namespace PhalaWorker.Benchmarks.Attestation;

/// <summary>
/// <c>harness quote-verify [iterations]</c>: full DCAP verifications per second (collateral in memory, caches warm) and
/// parse-only, for our verifier and, in the same run, for @phala/dcap-qvl 0.3.9 (node, deploy/node_modules) on the same quote.
/// </summary>
public sealed class QuoteVerificationHarness : IHarness
{
    public string Name => "quote-verify";

    public async Task<int> RunAsync(string[] args)
    {
        var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
        var repo = FindRepoRoot();
        var data = Path.Combine(repo, "tests", "testdata", "attestation");
        var quoteFile = Path.Combine(data, "tdx_quote_v4.bin");
        var collateralFile = Path.Combine(data, "collateral.json");
        var quote = await File.ReadAllBytesAsync(quoteFile);
        var collateral = QuoteCollateral.FromJson(await File.ReadAllTextAsync(collateralFile));
        var at = DateTimeOffset.FromUnixTimeSeconds(1751328000);

        var first = DcapVerifier.Verify(quote, collateral, at, AttestationPolicy.Strict);
        for (var i = 0; i < 200; i++)
        {
            DcapVerifier.Verify(quote, collateral, at, AttestationPolicy.Strict);
            QuoteParser.Parse(quote);
        }

        var sw = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            DcapVerifier.Verify(quote, collateral, at, AttestationPolicy.Strict);
        }

        var verifyMs = sw.Elapsed.TotalMilliseconds / iterations;

        // Baseline: just the two ECDSA P-256 verifications every quote needs (QE report by the PCK leaf, quote by the attestation key).
        var parsed = QuoteParser.Parse(quote);
        var pck = DcapVerifier.GetPckChain(((PckCertChainCertificationData)parsed.SignatureData.QeReportCertification!.Inner).PemChain, TrustedRoots.Intel);
        var attestationKey = PhalaWorker.Attestation.Internal.EcdsaP256.FromRawPoint(parsed.SignatureData.AttestationKey);
        var qeReport = quote.AsMemory(parsed.SignedLength + 138, SgxReportBody.Size);
        sw.Restart();
        for (var i = 0; i < iterations; i++)
        {
            if (!pck.Leaf.PublicKey.VerifyRaw(qeReport.Span, parsed.SignatureData.QeReportCertification.QeReportSignature)
                || !attestationKey.VerifyRaw(quote.AsSpan(0, parsed.SignedLength), parsed.SignatureData.Signature))
            {
                throw new InvalidOperationException("baseline signatures do not verify");
            }
        }

        var baselineMs = sw.Elapsed.TotalMilliseconds / iterations;

        // Cold: a fresh collateral object and empty caches each time (what a one-shot CLI run pays).
        var coldIterations = Math.Max(10, iterations / 100);
        var json = collateral.ToJson();
        sw.Restart();
        for (var i = 0; i < coldIterations; i++)
        {
            DcapVerifier.ClearCache();
            DcapVerifier.Verify(quote, QuoteCollateral.FromJson(json), at, AttestationPolicy.Strict);
        }

        var coldMs = sw.Elapsed.TotalMilliseconds / coldIterations;

        sw.Restart();
        for (var i = 0; i < iterations * 10; i++)
        {
            QuoteParser.Parse(quote);
        }

        var parseMs = sw.Elapsed.TotalMilliseconds / (iterations * 10);

        Console.WriteLine($"PhalaWorker DcapVerifier: {first.TcbStatus} valid={first.Valid}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  full verify (warm caches): {verifyMs * 1000:F1} us  = {1000 / verifyMs:F0} verifies/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  two ECDSA verifies only:   {baselineMs * 1000:F1} us  (floor of a full verify)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  full verify (cold caches): {coldMs * 1000:F1} us  = {1000 / coldMs:F0} verifies/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  parse only:                {parseMs * 1000:F2} us  = {1000 / parseMs:F0} parses/s"));

        var moduleDir = Path.Combine(repo, "deploy", "node_modules", "@phala", "dcap-qvl");
        if (!Directory.Exists(moduleDir))
        {
            Console.WriteLine("@phala/dcap-qvl not installed (cd deploy && npm ci --no-audit --no-fund); skipping the comparison");
            return 0;
        }

        var script = Path.Combine(repo, "tests", "PhalaWorker.Benchmarks", "Attestation", "dcap-qvl-bench.cjs");
        var nodeIterations = Math.Max(20, iterations / 20);
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { script, moduleDir, quoteFile, collateralFile, "1751328000", nodeIterations.ToString(CultureInfo.InvariantCulture) },
        };
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            Console.WriteLine($"dcap-qvl run failed: {await process.StandardError.ReadToEndAsync()}");
            return 1;
        }

        using var doc = JsonDocument.Parse(output);
        var jsVerify = doc.RootElement.GetProperty("verifyMs").GetDouble();
        var jsParse = doc.RootElement.GetProperty("parseMs").GetDouble();
        Console.WriteLine($"@phala/dcap-qvl 0.3.9 (node {nodeIterations} iterations): {doc.RootElement.GetProperty("status").GetString()}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  full verify:               {jsVerify * 1000:F1} us  = {1000 / jsVerify:F0} verifies/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  parse only:                {jsParse * 1000:F2} us  = {1000 / jsParse:F0} parses/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio (dcap-qvl time / ours): full verify warm x{jsVerify / verifyMs:F1}, cold x{jsVerify / coldMs:F1}, parse x{jsParse / parseMs:F1}"));
        return 0;
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
