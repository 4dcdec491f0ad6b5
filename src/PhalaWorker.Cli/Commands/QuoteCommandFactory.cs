using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PhalaWorker.Attestation;
using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Attestation.Dcap;
using PhalaWorker.Attestation.Emulation;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Attestation.Tdx;
using PhalaWorker.Cli.Internal;

namespace PhalaWorker.Cli.Commands;

/// <summary><c>phala-worker quote verify | show | emulate</c>: DCAP verification with policy, decoding, and emulated quotes.</summary>
internal sealed class QuoteCommandFactory : ICommandFactory
{
    private static readonly JsonSerializerOptions Indented = CliJson.Indented;

    public Command Create(CliContext context)
    {
        var quote = new Command("quote", "Verify, decode and emulate TDX quotes.");
        quote.Subcommands.Add(CreateVerify(context));
        quote.Subcommands.Add(CreateShow(context));
        quote.Subcommands.Add(CreateEmulate(context));
        return quote;
    }

    private static Command CreateVerify(CliContext context)
    {
        var quoteOption = new Option<FileInfo>("--quote") { Description = "Quote file (binary or hex).", Required = true };
        var collateralOption = new Option<FileInfo>("--collateral") { Description = "Collateral: dcap-qvl QuoteCollateralV3 JSON.", Required = true };
        var atOption = new Option<string?>("--at") { Description = "Verification time: ISO-8601 or unix seconds (default: now)." };
        var policyOption = new Option<FileInfo?>("--policy") { Description = "Policy JSON file (default: strict — UpToDate only, no emulation)." };
        var allowEmulatedOption = new Option<bool>("--allow-emulated") { Description = "Accept quotes from the emulated TEE (development only)." };
        var emulatedRootOption = new Option<FileInfo?>("--emulated-root") { Description = "DER of the emulated root to trust with --allow-emulated (default: the root of the collateral's TCB info chain)." };
        var jsonOption = new Option<bool>("--json") { Description = "Print the appraisal as JSON." };
        var iterationsOption = new Option<int>("--iterations") { Description = "Repeat the full verification N times in-process and report msPerVerify.", DefaultValueFactory = _ => 1 };
        var command = new Command("verify", "Verify a TDX quote against DCAP collateral and a policy. Exit 0 accepted, 1 rejected, 2 unusable input.")
        {
            quoteOption, collateralOption, atOption, policyOption, allowEmulatedOption, emulatedRootOption, jsonOption, iterationsOption,
        };
        command.SetAction(parse =>
        {
            var quoteBytes = ReadQuote(parse.GetValue(quoteOption)!);
            var collateral = ReadCollateral(parse.GetValue(collateralOption)!);
            var at = ParseTime(parse.GetValue(atOption));
            var policy = ReadPolicy(parse.GetValue(policyOption));
            if (parse.GetValue(allowEmulatedOption))
            {
                policy = policy with { AllowEmulated = true };
            }

            var roots = TrustedRoots.Intel;
            if (policy.AllowEmulated)
            {
                roots = AddEmulatedRoot(roots, parse.GetValue(emulatedRootOption), collateral);
            }

            var iterations = parse.GetValue(iterationsOption);
            if (iterations < 1)
            {
                throw new CliException("--iterations must be at least 1");
            }

            var appraisal = DcapVerifier.Verify(quoteBytes, collateral, at, policy, roots);
            double? msPerVerify = null;
            if (iterations > 1)
            {
                // The first call above warmed the caches; time the remaining full verifications (parse included).
                var stopwatch = Stopwatch.StartNew();
                for (var i = 1; i < iterations; i++)
                {
                    appraisal = DcapVerifier.Verify(quoteBytes, collateral, at, policy, roots);
                }

                msPerVerify = stopwatch.Elapsed.TotalMilliseconds / (iterations - 1);
            }

            Report(context, appraisal, parse.GetValue(jsonOption), msPerVerify, iterations);
            return appraisal.Valid ? CliApplication.ExitOk
                : appraisal.FailedCheck is VerificationCheck.QuoteFormat or VerificationCheck.CollateralFormat ? CliApplication.ExitUsage
                : CliApplication.ExitRejected;
        });
        return command;
    }

    private static Command CreateShow(CliContext context)
    {
        var fileArgument = new Argument<FileInfo>("file") { Description = "Quote file (binary or hex)." };
        var command = new Command("show", "Decode a TDX quote (v4/v5) and print its fields as JSON.") { fileArgument };
        command.SetAction(parse =>
        {
            var bytes = ReadQuote(parse.GetValue(fileArgument)!);
            TdxQuote quote;
            try
            {
                quote = QuoteParser.Parse(bytes);
            }
            catch (QuoteFormatException ex)
            {
                throw new CliException($"quote does not decode: {ex.Message}");
            }

            context.Out.WriteLine(QuoteJson.Describe(quote).ToJsonString(Indented));
            return CliApplication.ExitOk;
        });
        return command;
    }

    private static Command CreateEmulate(CliContext context)
    {
        var reportDataOption = new Option<string>("--report-data") { Description = "report_data: 64 bytes as hex (shorter values are zero-padded on the right).", Required = true };
        var outOption = new Option<FileInfo>("--out") { Description = "Where to write the quote (binary).", Required = true };
        var collateralOutOption = new Option<FileInfo?>("--collateral-out") { Description = "Where to write the matching collateral (QuoteCollateralV3 JSON)." };
        var rootOutOption = new Option<FileInfo?>("--root-out") { Description = "Where to write the emulated root certificate (DER), for verify --emulated-root." };
        var seedOption = new Option<string?>("--seed") { Description = "Seed (hex, at least 16 bytes) for a deterministic emulated TEE; random when omitted." };
        var atOption = new Option<string?>("--at") { Description = "Collateral issue time with a seed (ISO-8601 or unix seconds; default now)." };
        var command = new Command("emulate", "Produce a quote from the emulated TEE (byte-exact TDX quote v4 under an emulated PCK chain) and its collateral.")
        {
            reportDataOption, outOption, collateralOutOption, rootOutOption, seedOption, atOption,
        };
        command.SetAction(parse =>
        {
            var reportData = ParseReportData(parse.GetValue(reportDataOption)!);
            var seedHex = parse.GetValue(seedOption);
            EmulatedTee tee;
            if (seedHex is null)
            {
                tee = EmulatedTee.CreateRandom(TimeProvider.System);
            }
            else
            {
                var seed = ParseHex(seedHex, "--seed");
                if (seed.Length < 16)
                {
                    throw new CliException("--seed must be at least 16 bytes");
                }

                tee = EmulatedTee.FromSeed(seed, ParseTime(parse.GetValue(atOption)));
            }

            var quote = tee.CreateQuote(reportData);
            var outFile = parse.GetValue(outOption)!;
            File.WriteAllBytes(outFile.FullName, quote);
            context.Out.WriteLine($"quote: {outFile.FullName} ({quote.Length} bytes)");
            if (parse.GetValue(collateralOutOption) is { } collateralOut)
            {
                File.WriteAllText(collateralOut.FullName, tee.Collateral.Json);
                context.Out.WriteLine($"collateral: {collateralOut.FullName} (valid {tee.Collateral.IssuedAt:O} .. {tee.Collateral.NextUpdate:O})");
            }

            if (parse.GetValue(rootOutOption) is { } rootOut)
            {
                File.WriteAllBytes(rootOut.FullName, tee.EmulatedRootCertificateDer);
                context.Out.WriteLine($"emulated root: {rootOut.FullName}");
            }

            return CliApplication.ExitOk;
        });
        return command;
    }

    private static void Report(CliContext context, QuoteAppraisal appraisal, bool json, double? msPerVerify, int iterations)
    {
        if (json)
        {
            var node = JsonNode.Parse(appraisal.ToJson())!.AsObject();
            if (msPerVerify is { } ms)
            {
                node["iterations"] = iterations;
                node["msPerVerify"] = Math.Round(ms, 4);
                node["verifiesPerSecond"] = Math.Round(1000.0 / ms, 1);
            }

            context.Out.WriteLine(node.ToJsonString(Indented));
            return;
        }

        var w = context.Out;
        w.WriteLine(appraisal.Valid ? "ACCEPTED" : "REJECTED");
        w.WriteLine($"tcbStatus:    {appraisal.TcbStatus?.ToString() ?? "(not evaluated)"}");
        w.WriteLine($"advisoryIds:  {(appraisal.AdvisoryIds.Count == 0 ? "none" : string.Join(", ", appraisal.AdvisoryIds))}");
        if (appraisal.Emulated)
        {
            w.WriteLine("emulated:     yes (emulated root; development only)");
        }

        foreach (var failure in appraisal.Failures)
        {
            w.WriteLine($"failed:       {failure.Check} [{failure.Item}] {failure.Message}");
        }

        if (appraisal.Measurements is { } m)
        {
            w.WriteLine($"mrtd:         {m.MrTd}");
            w.WriteLine($"rtmr0:        {m.Rtmr0}");
            w.WriteLine($"rtmr1:        {m.Rtmr1}");
            w.WriteLine($"rtmr2:        {m.Rtmr2}");
            w.WriteLine($"rtmr3:        {m.Rtmr3}");
            w.WriteLine($"mrconfigid:   {m.MrConfigId}");
            w.WriteLine($"reportData:   {m.ReportData}");
            w.WriteLine($"tdAttributes: {m.TdAttributes}");
        }

        if (msPerVerify is { } perVerify)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"msPerVerify:  {perVerify:F4} ({iterations} iterations)"));
        }
    }

    private static TrustedRoots AddEmulatedRoot(TrustedRoots roots, FileInfo? rootFile, QuoteCollateral collateral)
    {
        byte[] der;
        if (rootFile is not null)
        {
            der = ReadFile(rootFile);
        }
        else
        {
            // Development convenience: with --allow-emulated and no explicit root, trust the collateral's own root. Verdicts
            // from such a run are flagged "emulated" and mean nothing for production.
            var pem = collateral.TcbInfoIssuerChain;
            var begin = pem.LastIndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
            var end = pem.LastIndexOf("-----END CERTIFICATE-----", StringComparison.Ordinal);
            if (begin < 0 || end < begin)
            {
                throw new CliException("collateral tcb_info_issuer_chain holds no certificate for the emulated root");
            }

            try
            {
                der = Convert.FromBase64String(pem[(begin + 27)..end]);
            }
            catch (FormatException ex)
            {
                throw new CliException($"collateral root certificate is not base64: {ex.Message}");
            }

            if (Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(der)) == TrustedRoots.IntelRootCertificateSha256)
            {
                return roots;
            }
        }

        try
        {
            return roots.WithEmulated(der);
        }
        catch (ArgumentException ex)
        {
            throw new CliException($"emulated root unusable: {ex.Message}");
        }
    }

    internal static byte[] ReadQuote(FileInfo file)
    {
        var bytes = ReadFile(file);
        var text = bytes.AsSpan().Trim(" \t\r\n"u8);
        if (text.Length > 0 && IsHexText(text))
        {
            var hex = Encoding.ASCII.GetString(text);
            return ParseHex(hex, file.Name);
        }

        return bytes;
    }

    private static bool IsHexText(ReadOnlySpan<byte> text)
    {
        var start = text.StartsWith("0x"u8) || text.StartsWith("0X"u8) ? 2 : 0;
        foreach (var b in text[start..])
        {
            if (!char.IsAsciiHexDigit((char)b) && b is not ((byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
            {
                return false;
            }
        }

        return true;
    }

    private static byte[] ParseHex(string hex, string what)
    {
        var clean = new string(hex.Where(c => !char.IsWhiteSpace(c)).ToArray());
        if (clean.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            clean = clean[2..];
        }

        try
        {
            return Convert.FromHexString(clean);
        }
        catch (FormatException)
        {
            throw new CliException($"{what}: not valid hex");
        }
    }

    private static byte[] ParseReportData(string hex)
    {
        var bytes = ParseHex(hex, "--report-data");
        if (bytes.Length > 64)
        {
            throw new CliException("--report-data is longer than 64 bytes");
        }

        var reportData = new byte[64];
        bytes.CopyTo(reportData, 0);
        return reportData;
    }

    private static byte[] ReadFile(FileInfo file)
    {
        try
        {
            return File.ReadAllBytes(file.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read {file.FullName}: {ex.Message}");
        }
    }

    private static QuoteCollateral ReadCollateral(FileInfo file)
    {
        try
        {
            return QuoteCollateral.FromJson(ReadFile(file));
        }
        catch (AttestationException ex)
        {
            throw new CliException($"{file.Name}: {ex.Message}");
        }
    }

    private static AttestationPolicy ReadPolicy(FileInfo? file)
    {
        if (file is null)
        {
            return AttestationPolicy.Strict;
        }

        try
        {
            return AttestationPolicy.FromJson(Encoding.UTF8.GetString(ReadFile(file)));
        }
        catch (AttestationException ex)
        {
            throw new CliException($"{file.Name}: {ex.Message}");
        }
    }

    internal static DateTimeOffset ParseTime(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return TimeProvider.System.GetUtcNow();
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
        {
            try
            {
                return DateTimeOffset.FromUnixTimeSeconds(unix);
            }
            catch (ArgumentOutOfRangeException)
            {
                throw new CliException($"--at {value}: unix time out of range");
            }
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at;
        }

        throw new CliException($"--at {value}: expected ISO-8601 (2025-07-01T00:00:00Z) or unix seconds");
    }
}
