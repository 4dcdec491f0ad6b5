using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using PhalaWorker.Attestation;
using PhalaWorker.Attestation.Gpu.Appraisal;
using PhalaWorker.Attestation.Gpu.Evidence;
using PhalaWorker.Attestation.Gpu.Ocsp;
using PhalaWorker.Attestation.Gpu.Policy;
using PhalaWorker.Attestation.Gpu.Rim;
using PhalaWorker.Attestation.Gpu.Spdm;
using PhalaWorker.Attestation.Gpu.Verification;
using PhalaWorker.Cli.Internal;

namespace PhalaWorker.Cli.Commands;

/// <summary>
/// <c>phala-worker gpu verify | show</c>: local verification of NVIDIA GPU CC evidence (raw SPDM report with its chain and
/// nonce, or NVIDIA's remote-evidence JSON) with RIMs, OCSP responses and a policy; and decoding of a report.
/// Exit 0 accepted, 1 rejected, 2 unusable input.
/// </summary>
internal sealed class GpuCommandFactory : ICommandFactory
{

    public Command Create(CliContext context)
    {
        var gpu = new Command("gpu", "Verify and decode NVIDIA GPU confidential-computing evidence.");
        gpu.Subcommands.Add(CreateVerify(context));
        gpu.Subcommands.Add(CreateShow(context));
        gpu.Subcommands.Add(GpuInfoCommandFactory.Create(context));
        return gpu;
    }

    private static Command CreateVerify(CliContext context)
    {
        var evidenceOption = new Option<FileInfo>("--evidence") { Description = "A raw attestation report (binary or hex; needs --cert-chain and --nonce) or NVIDIA remote-evidence JSON (one GPU or a list).", Required = true };
        var chainOption = new Option<FileInfo?>("--cert-chain") { Description = "The device certificate chain (PEM, leaf first) of a raw report." };
        var nonceOption = new Option<string?>("--nonce") { Description = "Expected nonce (hex, 32 bytes); for JSON evidence the default is each GPU's own nonce field." };
        var rimOption = new Option<FileInfo[]>("--rim") { Description = "A driver or VBIOS RIM (SWID XML); repeat for each. Matched to GPUs by RIM id.", AllowMultipleArgumentsPerToken = false };
        var ocspOption = new Option<DirectoryInfo?>("--ocsp") { Description = "Directory of DER OCSP responses for the device and RIM chains (matched by CertID)." };
        var atOption = new Option<string?>("--at") { Description = "Verification time: ISO-8601 or unix seconds (default: now)." };
        var policyOption = new Option<FileInfo?>("--policy") { Description = "GPU policy JSON (default: strict — RIMs and OCSP required, CC on, no DevTools, no PPCIe, no emulation)." };
        var allowMissingOcspOption = new Option<bool>("--allow-missing-ocsp") { Description = "Accept certificates without an OCSP response (revoked or invalid responses still reject)." };
        var allowEmulatedOption = new Option<bool>("--allow-emulated") { Description = "Accept evidence from the emulated GPU (development only)." };
        var jsonOption = new Option<bool>("--json") { Description = "Print the verdict as JSON." };
        var iterationsOption = new Option<int?>("--iterations") { Description = "Repeat the full verification N times in-process and report msPerVerify." };
        var command = new Command("verify", "Verify NVIDIA GPU CC evidence locally (nonce, versions, report signature, device chain, FWID, OCSP, RIMs, measurements, policy). Exit 0 accepted, 1 rejected, 2 unusable input.")
        {
            evidenceOption, chainOption, nonceOption, rimOption, ocspOption, atOption, policyOption, allowMissingOcspOption, allowEmulatedOption, jsonOption, iterationsOption,
        };
        command.SetAction(parse =>
        {
            var policy = ReadPolicy(parse.GetValue(policyOption));
            if (parse.GetValue(allowMissingOcspOption))
            {
                policy = policy with { AllowMissingOcsp = true };
            }

            if (parse.GetValue(allowEmulatedOption))
            {
                policy = policy with { AllowEmulated = true };
            }

            var iterations = parse.GetValue(iterationsOption);
            if (iterations is < 1)
            {
                throw new CliException("--iterations must be at least 1");
            }

            var nonceHex = parse.GetValue(nonceOption);
            var nonce = nonceHex is null ? null : ParseNonce(nonceHex);
            var items = ReadEvidence(parse.GetValue(evidenceOption)!, parse.GetValue(chainOption), nonce);
            var verificationContext = new GpuVerificationContext
            {
                At = QuoteCommandFactory.ParseTime(parse.GetValue(atOption)),
                Policy = policy,
                ExpectedNonce = nonce,
                Ocsp = ReadOcsp(parse.GetValue(ocspOption)),
                Rims = ReadRims(parse.GetValue(rimOption) ?? [], items),
            };

            var appraisal = GpuVerifier.Verify(items, verificationContext);
            double? msPerVerify = null;
            if (iterations is { } n)
            {
                var stopwatch = Stopwatch.StartNew();
                for (var i = 0; i < n; i++)
                {
                    appraisal = GpuVerifier.Verify(items, verificationContext);
                }

                msPerVerify = stopwatch.Elapsed.TotalMilliseconds / n;
            }

            Report(context, appraisal, parse.GetValue(jsonOption), msPerVerify, iterations);
            return appraisal.Valid ? CliApplication.ExitOk
                : appraisal.FailedCheck == GpuCheck.EvidenceFormat ? CliApplication.ExitUsage
                : CliApplication.ExitRejected;
        });
        return command;
    }

    private static Command CreateShow(CliContext context)
    {
        var fileArgument = new Argument<FileInfo>("file") { Description = "A raw attestation report (binary or hex) or NVIDIA remote-evidence JSON." };
        var command = new Command("show", "Decode NVIDIA GPU attestation reports (SPDM request, response header, measurement blocks, opaque fields) as JSON.") { fileArgument };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(fileArgument)!;
            var bytes = ReadFile(file);
            var output = new JsonArray();
            try
            {
                if (IsJson(bytes))
                {
                    foreach (var item in NvidiaRemoteEvidence.Parse(bytes))
                    {
                        var node = Describe(GpuAttestationReportParser.Parse(item.Report), item.Arch);
                        node["arch"] = item.Arch;
                        output.Add(node);
                    }
                }
                else
                {
                    output.Add(Describe(GpuAttestationReportParser.Parse(QuoteCommandFactory.ReadQuote(file)), "HOPPER"));
                }
            }
            catch (GpuEvidenceFormatException ex)
            {
                throw new CliException($"{file.Name}: GPU evidence does not decode: {ex.Message}");
            }

            context.Out.WriteLine((output.Count == 1 ? output[0]!.DeepClone() : output).ToJsonString(CliJson.Indented));
            return CliApplication.ExitOk;
        });
        return command;
    }

    private static JsonObject Describe(GpuAttestationReport report, string arch)
    {
        var request = report.Request;
        var response = report.Response;
        return new JsonObject
        {
            ["length"] = report.Length,
            ["signedLength"] = report.SignedLength,
            ["request"] = new JsonObject
            {
                ["spdmVersion"] = $"0x{request.SpdmVersion:x2}",
                ["requestCode"] = $"0x{request.RequestCode:x2}",
                ["param1"] = $"0x{request.Param1:x2}",
                ["param2"] = $"0x{request.Param2:x2}",
                ["nonce"] = Convert.ToHexStringLower(request.Nonce),
                ["slotId"] = request.SlotId,
            },
            ["response"] = new JsonObject
            {
                ["spdmVersion"] = $"0x{response.SpdmVersion:x2}",
                ["responseCode"] = $"0x{response.ResponseCode:x2}",
                ["param1"] = $"0x{response.Param1:x2}",
                ["param2"] = $"0x{response.Param2:x2}",
                ["numberOfBlocks"] = response.NumberOfBlocks,
                ["measurementRecordLength"] = response.MeasurementRecordLength,
                ["responderNonce"] = Convert.ToHexStringLower(response.ResponderNonce),
                ["opaqueLength"] = response.OpaqueLength,
                ["signature"] = Convert.ToHexStringLower(response.Signature),
            },
            ["blocks"] = new JsonArray([.. response.Blocks.Select(b => (JsonNode)new JsonObject
            {
                ["index"] = b.Index,
                ["measurementSpecification"] = b.MeasurementSpecification,
                ["measurementSize"] = b.MeasurementSize,
                ["dmtfValueType"] = b.DmtfValueType,
                ["dmtfValueSize"] = b.DmtfValueSize,
                ["value"] = Convert.ToHexStringLower(b.Value),
            })]),
            ["opaqueFields"] = new JsonArray([.. response.OpaqueFields.Select(f => (JsonNode)new JsonObject
            {
                ["type"] = (int)f.Type,
                ["name"] = f.Name,
                ["length"] = f.Value.Length,
                ["hex"] = Convert.ToHexStringLower(f.Value),
            })]),
            ["decoded"] = new JsonObject
            {
                ["driverVersion"] = report.DriverVersion,
                ["vbiosVersion"] = report.VbiosVersion,
                ["project"] = report.Project,
                ["projectSku"] = report.ProjectSku,
                ["chipSku"] = report.ChipSku,
                ["fwid"] = report.Fwid is { } fwid ? Convert.ToHexStringLower(fwid) : null,
                ["nvdec0Status"] = report.Nvdec0Status is { } nvdec ? $"0x{nvdec:x2}" : null,
                ["protectedPcieStatus"] = report.ProtectedPcieStatus is { } ppcie ? $"0x{ppcie:x2}" : null,
                ["opaqueDataVersion"] = report.OpaqueDataVersion,
                ["featureFlag"] = report.FeatureFlag,
                ["driverRimId"] = report.DriverRimId(arch),
                ["vbiosRimId"] = report.VbiosRimId,
            },
        };
    }

    private static void Report(CliContext context, GpuAppraisal appraisal, bool json, double? msPerVerify, int? iterations)
    {
        if (json)
        {
            var node = new JsonObject
            {
                ["valid"] = appraisal.Valid,
                ["reason"] = appraisal.Reason,
                ["failedCheck"] = appraisal.FailedCheck?.ToString(),
                ["gpus"] = new JsonArray([.. appraisal.Gpus.Select(g => (JsonNode)new JsonObject
                {
                    ["index"] = g.Index,
                    ["arch"] = g.Arch,
                    ["driverVersion"] = g.DriverVersion,
                    ["vbiosVersion"] = g.VbiosVersion,
                    ["nonceMatch"] = g.NonceMatch,
                    ["signatureVerified"] = g.SignatureVerified,
                    ["certChainVerified"] = g.CertChainVerified,
                    ["fwidMatch"] = g.FwidMatch,
                    ["ocsp"] = Name(g.OverallOcsp),
                    ["driverRim"] = Name(g.DriverRim),
                    ["vbiosRim"] = Name(g.VbiosRim),
                    ["measurements"] = Name(g.Measurements),
                    ["mismatchedIndices"] = new JsonArray([.. g.MismatchedIndices.Select(i => (JsonNode?)i)]),
                    ["valid"] = g.Valid,
                })]),
            };
            if (msPerVerify is { } ms)
            {
                node["msPerVerify"] = Math.Round(ms, 4);
            }

            context.Out.WriteLine(node.ToJsonString(CliJson.Indented));
            return;
        }

        var w = context.Out;
        w.WriteLine(appraisal.Valid ? "ACCEPTED" : "REJECTED");
        foreach (var g in appraisal.Gpus)
        {
            w.WriteLine($"GPU {g.Index} ({g.Arch}): {(g.Valid ? "valid" : "invalid")}");
            w.WriteLine($"  driver {g.DriverVersion ?? "?"}  VBIOS {g.VbiosVersion ?? "?"}  RIM ids {g.DriverRimId} / {g.VbiosRimId}");
            w.WriteLine($"  nonce {Mark(g.NonceMatch)}  signature {Mark(g.SignatureVerified)}  chain {Mark(g.CertChainVerified)}  FWID {(g.FwidMatch is { } f ? Mark(f) : "skipped")}  OCSP {Name(g.OverallOcsp)}");
            w.WriteLine($"  driver RIM {Name(g.DriverRim)}  VBIOS RIM {Name(g.VbiosRim)}  measurements {Name(g.Measurements)}{(g.MismatchedIndices.Count > 0 ? " at RIM indices " + string.Join(", ", g.MismatchedIndices) : string.Empty)}");
            foreach (var failure in g.Failures)
            {
                w.WriteLine($"  failed: {failure.Check} [{failure.Item}] {failure.Message}");
            }
        }

        if (appraisal.Gpus.Count == 0 && appraisal.Reason is { } reason)
        {
            w.WriteLine($"failed: {appraisal.FailedCheck} [{appraisal.FailedItem}] {reason}");
        }

        if (msPerVerify is { } perVerify)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"msPerVerify: {perVerify:F4} ({iterations} iterations)"));
        }
    }

    private static IReadOnlyList<GpuEvidenceItem> ReadEvidence(FileInfo file, FileInfo? chainFile, byte[]? nonce)
    {
        var bytes = ReadFile(file);
        if (IsJson(bytes))
        {
            if (chainFile is not null)
            {
                throw new CliException("--cert-chain is for a raw report; remote-evidence JSON carries each GPU's chain");
            }

            try
            {
                return NvidiaRemoteEvidence.Parse(bytes);
            }
            catch (GpuEvidenceFormatException ex)
            {
                throw new CliException($"{file.Name}: remote evidence does not decode: {ex.Message}");
            }
        }

        if (chainFile is null || nonce is null)
        {
            throw new CliException("a raw report needs --cert-chain FILE and --nonce HEX");
        }

        return [new GpuEvidenceItem { Arch = "HOPPER", Report = QuoteCommandFactory.ReadQuote(file), CertificateChainPem = ReadFile(chainFile), Nonce = nonce }];
    }

    /// <summary>Loads each RIM; a file named by its id is loaded under that id, any other is matched against the GPUs' derived ids.</summary>
    private static List<ReferenceIntegrityManifest> ReadRims(FileInfo[] files, IReadOnlyList<GpuEvidenceItem> items)
    {
        var ids = new List<string>();
        foreach (var item in items)
        {
            if (GpuAttestationReportParser.TryParse(item.Report, out var report))
            {
                ids.AddRange(new[] { report!.DriverRimId(item.Arch), report.VbiosRimId }.OfType<string>());
            }
        }

        var rims = new List<ReferenceIntegrityManifest>();
        foreach (var file in files)
        {
            var name = Path.GetFileNameWithoutExtension(file.Name);
            try
            {
                if (RimId.TryParse(name, out _))
                {
                    rims.Add(ReferenceIntegrityManifest.Load(file.FullName));
                    continue;
                }

                var xml = ReadFile(file);
                var match = ids.Distinct(StringComparer.Ordinal).Select(id => TryParseRim(xml, id)).FirstOrDefault(r => r is not null);
                rims.Add(match ?? throw new CliException($"--rim {file.Name}: matches none of the GPUs' RIM ids ({string.Join(", ", ids.Distinct(StringComparer.Ordinal))})"));
            }
            catch (RimFormatException ex)
            {
                throw new CliException($"--rim {file.Name}: {ex.Message}");
            }
            catch (IOException ex)
            {
                throw new CliException($"--rim {file.Name}: {ex.Message}");
            }
        }

        return rims;
    }

    private static ReferenceIntegrityManifest? TryParseRim(byte[] xml, string id)
    {
        try
        {
            return ReferenceIntegrityManifest.Parse(xml, id);
        }
        catch (RimFormatException)
        {
            return null;
        }
    }

    private static OcspResponseSet ReadOcsp(DirectoryInfo? directory)
    {
        if (directory is null)
        {
            return OcspResponseSet.Empty;
        }

        if (!directory.Exists)
        {
            throw new CliException($"--ocsp: directory not found: {directory.FullName}");
        }

        try
        {
            return OcspResponseSet.FromDirectory(directory.FullName);
        }
        catch (Exception ex) when (ex is GpuEvidenceFormatException or IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--ocsp: {ex.Message}");
        }
    }

    private static GpuAttestationPolicy ReadPolicy(FileInfo? file)
    {
        if (file is null)
        {
            return GpuAttestationPolicy.Strict;
        }

        try
        {
            return GpuAttestationPolicy.FromJson(Encoding.UTF8.GetString(ReadFile(file)));
        }
        catch (AttestationException ex)
        {
            throw new CliException($"--policy {file.Name}: {ex.Message}");
        }
    }

    private static byte[] ParseNonce(string hex)
    {
        byte[] nonce;
        try
        {
            nonce = Convert.FromHexString(hex.Trim());
        }
        catch (FormatException)
        {
            throw new CliException("--nonce: not valid hex");
        }

        return nonce.Length == 32 ? nonce : throw new CliException($"--nonce is {nonce.Length} bytes; NVIDIA reports use a 32-byte nonce");
    }

    private static bool IsJson(ReadOnlySpan<byte> bytes)
    {
        var text = bytes.TrimStart(" \t\r\n"u8);
        return text.Length > 0 && text[0] is (byte)'{' or (byte)'[';
    }

    private static byte[] ReadFile(FileInfo file)
    {
        try
        {
            if (file.Exists && file.Length > 16 * 1024 * 1024)
            {
                throw new CliException($"{file.FullName} is larger than 16 MiB");
            }

            return File.ReadAllBytes(file.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read {file.FullName}: {ex.Message}");
        }
    }

    private static string Name<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static string Mark(bool ok) => ok ? "ok" : "FAILED";
}
