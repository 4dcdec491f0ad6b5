using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using Google.Protobuf;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Client;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;
using PhalaWorker.Protocol.Wire;
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
        var outDir = new Option<DirectoryInfo?>("--out")
        {
            Description = "Folder for the job file (job.json, mode 0600: what 'result fetch' needs), each output as <name>.pb, receipt.json and proof.json.",
        };

        var command = new Command("submit", "Verify a node, run an encrypted ONNX job on it and verify the signed result.");
        common.AddTo(command);
        command.Options.Add(model);
        command.Options.Add(inputs);
        command.Options.Add(aead);
        command.Options.Add(noInclusion);
        command.Options.Add(outDir);
        command.SetAction((parseResult, cancellationToken) => new SubmitRunner(context, common.Read(parseResult), parseResult.GetValue(outDir)?.FullName).RunAsync(
            parseResult.GetRequiredValue(model),
            parseResult.GetValue(inputs) ?? [],
            parseResult.GetValue(aead) ?? "chacha20poly1305",
            !parseResult.GetValue(noInclusion),
            cancellationToken));
        return command;
    }

    private sealed class SubmitRunner(CliContext context, SubmitCommonSettings settings, string? outDirectory)
    {
        public async Task<int> RunAsync(FileInfo modelFile, string[] inputSpecs, string aeadName, bool waitInclusion, CancellationToken cancellationToken)
        {
            var spec = new JobSpec(ReadFile(modelFile.FullName, "model"), inputSpecs.Select(ParseInput).ToList())
            {
                Aead = SubmitFormat.ParseAead(aeadName),
            };

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.Timeout);
            using var status = CliProgress.For(context, settings.Json, tick: TimeSpan.FromSeconds(1));
            status.Report("connecting to the node");
            using var session = await SubmitNodeSession.OpenAsync(settings, timeout.Token);
            X25519KeyPair? resultKey = null;
            try
            {
                var verifier = session.CreateVerifier(context.Error);
                status.Report("verifying the node");
                var node = await verifier.VerifyAsync(timeout.Token);
                status.Clear();
                if (!settings.Json)
                {
                    SubmitFormat.WriteNode(context.Out, node);
                }

                var waitsForChain = waitInclusion && session.Registry is not null;
                var submitter = new JobSubmitter(session.Client, session.Registry, new JobSubmitterOptions
                {
                    InclusionTimeout = waitsForChain ? settings.Timeout : TimeSpan.Zero,
                }, verifier);
                JobFile? jobFile = null;
                if (outDirectory is not null)
                {
                    (spec, jobFile, resultKey) = PrepareJobFile(spec, node);
                }

                status.Report("submitting the job");
                var progress = new SyncProgress<JobEvent>(e =>
                {
                    status.Clear();
                    if (!settings.Json)
                    {
                        context.Out.WriteLine($"job {Convert.ToHexString(e.JobId.Span).ToLowerInvariant()}: {SubmitFormat.State(e.State)}{(e.Detail.Length > 0 ? " — " + e.Detail : "")}");
                    }

                    status.Report(e.State == JobState.Succeeded && waitsForChain ? "waiting for the receipt's batch on chain" : $"job {SubmitFormat.State(e.State)}");
                });
                var outcome = await submitter.RunAsync(node, spec, progress, timeout.Token);
                status.Clear();
                var proof = outcome.Inclusion is { } inclusion ? JobResultFiles.ToProof(outcome.Receipt, inclusion) : null;
                IReadOnlyList<string>? written = null;
                if (outDirectory is not null && jobFile is not null)
                {
                    // A resubmission (the node restarted with new keys) ran under a new job id on a new identity.
                    var ranOn = outcome.Node ?? node;
                    jobFile = jobFile with { JobId = outcome.JobId, Node = ranOn.Address, QuoteHash = ranOn.QuoteHash, ChainId = ranOn.ChainId, Registry = ranOn.Registry };
                    jobFile.Write(Path.Combine(outDirectory, JobFile.FileName));
                    written = [JobFile.FileName, .. JobResultFiles.Write(outDirectory, outcome.Output, outcome.Receipt, proof)];
                }

                Write(outcome.Node ?? node, outcome, proof, written);
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
            finally
            {
                resultKey?.Dispose();
            }
        }

        /// <summary>
        /// Chooses the job id, job secret and result key here (not in the SDK) and writes them to <c>job.json</c> before the
        /// job is sent, so that 'result fetch' can get the result even if this process dies waiting for it.
        /// </summary>
        private (JobSpec Spec, JobFile File, X25519KeyPair ResultKey) PrepareJobFile(JobSpec spec, VerifiedNode node)
        {
            var jobId = RandomNumberGenerator.GetBytes(JobSubmitter.JobIdLength);
            var jobSecret = RandomNumberGenerator.GetBytes(JobSecrets.Length);
            var resultPrivateKey = RandomNumberGenerator.GetBytes(X25519KeyPair.KeyLength);
            var resultKey = X25519KeyPair.FromPrivateKey(resultPrivateKey);
            var salt = JobSecrets.ReceiptSalt(jobSecret);
            var inputs = spec.Inputs.Select(i => new NamedTensor { Name = i.Name, Tensor = ByteString.CopyFrom(i.Tensor) });
            var file = new JobFile(jobId, settings.Endpoint, settings.Rpc, node.Registry, node.ChainId, node.Address, node.QuoteHash, jobSecret, resultPrivateKey,
                JobReceiptHashes.Model(salt.AsSpan(), spec.Model), ReceiptHashes.Tensors(salt, inputs), TimeProvider.System.GetUtcNow());
            try
            {
                Directory.CreateDirectory(outDirectory!);
                file.Write(Path.Combine(outDirectory!, JobFile.FileName));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                resultKey.Dispose();
                throw new CliException($"cannot write the job file under {outDirectory}: {ex.Message}");
            }

            return (spec with { JobId = jobId, JobSecret = jobSecret, ResultKey = resultKey }, file, resultKey);
        }

        private void Write(VerifiedNode node, JobOutcome outcome, Chain.Merkle.ReceiptInclusionProof? proof, IReadOnlyList<string>? written)
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
                        JobResultFiles.WriteInclusionJson(writer, inclusion, outcome.InclusionVerifiedOnChain);
                    }

                    // The proof in the form 'result verify' reads: this very output can be given as its --receipt.
                    JobResultFiles.WriteProofJson(writer, proof);
                    if (written is not null)
                    {
                        JobResultFiles.WriteFilesJson(writer, outDirectory!, written);
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
            if (outcome.Inclusion is { } posted)
            {
                context.Out.WriteLine();
                context.Out.WriteLine($"on chain: batch {posted.BatchIndex} root {SubmitFormat.Hex(posted.BatchRoot.Span)} in block {posted.BlockNumber}, " +
                    $"transaction {SubmitFormat.Hex(posted.TransactionHash.Span)}; Merkle proof verified off chain{(outcome.InclusionVerifiedOnChain ? " and by the registry on chain" : "")}");
            }
            else
            {
                context.Out.WriteLine("on chain: the receipt's batch is not posted yet (no inclusion proof)");
            }

            if (written is not null)
            {
                context.Out.WriteLine($"written to {outDirectory}: {string.Join(", ", written)} ('phala-worker result fetch --job {SubmitFormat.Hex(outcome.JobId)} --out {outDirectory}' fetches it again)");
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
