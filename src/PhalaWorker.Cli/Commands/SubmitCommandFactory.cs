using System.CommandLine;
using System.Text.Json;
using PhalaWorker.Client;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Cli.Internal;

namespace PhalaWorker.Cli.Commands;

/// <summary>
/// <c>phala-worker submit</c>: verify a node (attestation, binding, on-chain registration), run one encrypted ONNX job on it,
/// open and print the output tensors, and verify and print the receipt (eth_signTypedData_v4 JSON + signature).
/// Exit 0 verified, 1 a check failed, 2 unusable input or unreachable node.
/// </summary>
internal sealed class SubmitCommandFactory : ICommandFactory
{
    public Command Create(CliContext context)
    {
        var common = new SubmitCommonOptions();
        var model = new Option<FileInfo>("--model") { Description = "ONNX model file (ModelProto).", Required = true };
        var inputs = new Option<string[]>("--input")
        {
            Description = "A graph input as NAME=FILE.pb (one serialized onnx.TensorProto); repeat per input.",
            AllowMultipleArgumentsPerToken = false,
        };
        var aead = new Option<string>("--aead") { Description = "Envelope AEAD: chacha20poly1305 (default), aes128gcm or aes256gcm.", DefaultValueFactory = _ => "chacha20poly1305" };
        var noInclusion = new Option<bool>("--no-wait-inclusion") { Description = "Do not wait for the receipt's batch to be posted on chain." };

        var command = new Command("submit", "Verify a node, run an encrypted ONNX job on it and verify the signed result.");
        common.AddTo(command);
        command.Options.Add(model);
        command.Options.Add(inputs);
        command.Options.Add(aead);
        command.Options.Add(noInclusion);
        command.SetAction((parseResult, cancellationToken) => new SubmitRunner(context, common.Read(parseResult)).RunAsync(
            parseResult.GetRequiredValue(model),
            parseResult.GetValue(inputs) ?? [],
            parseResult.GetValue(aead) ?? "chacha20poly1305",
            !parseResult.GetValue(noInclusion),
            cancellationToken));
        return command;
    }

    private sealed class SubmitRunner(CliContext context, SubmitCommonSettings settings)
    {
        public async Task<int> RunAsync(FileInfo modelFile, string[] inputSpecs, string aeadName, bool waitInclusion, CancellationToken cancellationToken)
        {
            var spec = new JobSpec(ReadFile(modelFile.FullName, "model"), inputSpecs.Select(ParseInput).ToList())
            {
                Aead = SubmitFormat.ParseAead(aeadName),
            };

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.Timeout);
            using var session = await SubmitNodeSession.OpenAsync(settings, timeout.Token);
            try
            {
                var verifier = session.CreateVerifier(context.Error);
                var node = await verifier.VerifyAsync(timeout.Token);
                if (!settings.Json)
                {
                    SubmitFormat.WriteNode(context.Out, node);
                }

                var submitter = new JobSubmitter(session.Client, session.Registry, new JobSubmitterOptions
                {
                    InclusionTimeout = waitInclusion && session.Registry is not null ? settings.Timeout : TimeSpan.Zero,
                }, verifier);
                var progress = settings.Json ? null : new SyncProgress<JobEvent>(e =>
                    context.Out.WriteLine($"job {Convert.ToHexString(e.JobId.Span).ToLowerInvariant()}: {SubmitFormat.State(e.State)}{(e.Detail.Length > 0 ? " — " + e.Detail : "")}"));
                var outcome = await submitter.RunAsync(node, spec, progress, timeout.Token);
                Write(outcome.Node ?? node, outcome);
                return CliApplication.ExitOk;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CliException($"timed out after {settings.Timeout.TotalSeconds:F0} s", CliApplication.ExitUsage);
            }
            catch (WorkerClientException ex)
            {
                throw SubmitFormat.ToCliException(ex);
            }
        }

        private void Write(VerifiedNode node, JobOutcome outcome)
        {
            var receiptJson = outcome.Receipt.ToJson();
            if (settings.Json)
            {
                using var stream = new MemoryStream();
                using (var writer = new Utf8JsonWriter(stream, CliJson.Writer))
                {
                    writer.WriteStartObject();
                    writer.WriteString("jobId", SubmitFormat.Hex(outcome.JobId));
                    writer.WriteString("node", node.Address.ToChecksumString());
                    writer.WriteString("teeType", node.IsEmulated ? "emulated-tdx" : "tdx");
                    writer.WriteString("backend", outcome.Output.ComputeBackend);
                    writer.WriteNumber("chainId", node.ChainId);
                    writer.WriteString("registry", node.Registry.ToChecksumString());
                    SubmitFormat.WriteGpuJson(writer, node);
                    writer.WritePropertyName("outputs");
                    writer.WriteStartArray();
                    foreach (var output in outcome.Output.Outputs)
                    {
                        SubmitTensorSummary.WriteJson(writer, output.Name, output.Tensor.Span);
                    }

                    writer.WriteEndArray();
                    writer.WritePropertyName("receipt");
                    using (var receipt = JsonDocument.Parse(receiptJson))
                    {
                        receipt.RootElement.WriteTo(writer);
                    }

                    writer.WriteString("receiptDigest", outcome.Receipt.Digest.ToString());
                    if (outcome.Inclusion is { } inclusion)
                    {
                        writer.WritePropertyName("inclusion");
                        writer.WriteStartObject();
                        writer.WriteNumber("batchIndex", inclusion.BatchIndex);
                        writer.WriteString("batchRoot", SubmitFormat.Hex(inclusion.BatchRoot.Span));
                        writer.WriteString("transactionHash", SubmitFormat.Hex(inclusion.TransactionHash.Span));
                        writer.WriteNumber("blockNumber", inclusion.BlockNumber);
                        writer.WriteBoolean("verifiedOnChain", outcome.InclusionVerifiedOnChain);
                        writer.WriteEndObject();
                    }

                    writer.WriteBoolean("verified", true);
                    writer.WriteEndObject();
                }

                context.Out.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
                return;
            }

            context.Out.WriteLine();
            context.Out.WriteLine($"outputs ({outcome.Output.ComputeBackend}):");
            foreach (var output in outcome.Output.Outputs)
            {
                context.Out.WriteLine("  " + SubmitTensorSummary.Describe(output.Name, output.Tensor.Span));
            }

            context.Out.WriteLine();
            context.Out.WriteLine("receipt (EIP-712, verified: hashes recomputed, signed by the node):");
            context.Out.WriteLine(JsonSerializer.Serialize(JsonDocument.Parse(receiptJson).RootElement, SubmitFormat.Indented));
            if (outcome.Inclusion is { } proof)
            {
                context.Out.WriteLine();
                context.Out.WriteLine($"on chain: batch {proof.BatchIndex} root {SubmitFormat.Hex(proof.BatchRoot.Span)} in block {proof.BlockNumber}, " +
                    $"transaction {SubmitFormat.Hex(proof.TransactionHash.Span)}; Merkle proof verified off chain{(outcome.InclusionVerifiedOnChain ? " and by the registry on chain" : "")}");
            }
            else
            {
                context.Out.WriteLine("on chain: the receipt's batch is not posted yet (no inclusion proof)");
            }

            context.Out.WriteLine("verified: true");
        }

        private static (string Name, byte[] Tensor) ParseInput(string spec)
        {
            var separator = spec.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0 || separator == spec.Length - 1)
            {
                throw new CliException($"--input '{spec}' is not NAME=FILE.pb");
            }

            return (spec[..separator], ReadFile(spec[(separator + 1)..], $"input '{spec[..separator]}'"));
        }

        private static byte[] ReadFile(string path, string what)
        {
            try
            {
                return File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"cannot read the {what} file {path}: {ex.Message}");
            }
        }
    }

    /// <summary>Reports synchronously on the caller's thread (Progress&lt;T&gt; posts to the thread pool and reorders lines).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
