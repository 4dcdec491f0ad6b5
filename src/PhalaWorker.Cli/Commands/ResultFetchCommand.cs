using System.CommandLine;
using System.Text.Json;
using PhalaWorker.Chain.Receipts;
using PhalaWorker.Cli.Internal;
using PhalaWorker.Client;
using PhalaWorker.Crypto.Keys;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Cli.Commands;

/// <summary>
/// <c>phala-worker result fetch --job ID [--out DIR]</c>: gets a job's result later from the job file <c>submit --out DIR</c>
/// wrote (endpoint, job secret for the access token, result key, what the receipt must carry): waits for the job to finish,
/// opens the output, checks the receipt against the job file (hashes, node identity as verified at submission, chain,
/// registry, signature) and its inclusion off and on chain, and writes the outputs, <c>receipt.json</c> and <c>proof.json</c>.
/// Exit 0 verified, 1 a check failed, 2 unusable input, an unreachable node, a failed job or a timeout.
/// </summary>
internal static class ResultFetchCommand
{
    public static Command Create(CliContext context)
    {
        var job = new Option<string>("--job")
        {
            Description = "The job id (0x…; its job.json is looked up in --out DIR, default the current folder), or the job file or the folder holding it.",
            Required = true,
        };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Folder with job.json (written by submit --out) that receives the outputs, receipt.json and proof.json." };
        var endpoint = new Option<string?>("--endpoint") { Description = "The node's gRPC endpoint (default: the one in the job file)." };
        var noInclusion = new Option<bool>("--no-wait-inclusion") { Description = "Do not wait for the receipt's batch to be posted on chain." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (with 'receipt' and 'proof': 'result verify --receipt' reads it)." };
        var timeout = CliDuration.Option("--timeout", "Overall time limit", TimeSpan.FromMinutes(2));
        var command = new Command("fetch", "Fetch a job's result, receipt and inclusion proof later, from the job file 'submit --out' wrote.")
        {
            job, outDir, endpoint, noInclusion, json, timeout,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse.GetRequiredValue(job), parse.GetValue(outDir)?.FullName, parse.GetValue(endpoint),
            !parse.GetValue(noInclusion), parse.GetValue(json), parse.GetValue(timeout), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string jobArgument, string? outDirectory, string? endpointText, bool waitInclusion, bool json,
        TimeSpan limit, CancellationToken cancellationToken)
    {
        var (path, expectedId) = Locate(jobArgument, outDirectory);
        var file = JobFile.Read(path);
        if (expectedId is not null && !string.Equals(expectedId, file.JobIdHex, StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException($"{path} holds job {file.JobIdHex}, not {expectedId}");
        }

        var directory = outDirectory ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        var endpoint = endpointText is null ? file.Endpoint
            : Uri.TryCreate(endpointText, UriKind.Absolute, out var given) && given.Scheme is "http" or "https" ? given
            : throw new CliException($"--endpoint '{endpointText}' is not an http:// or https:// URL");
        var accessToken = JobSecrets.AccessToken(file.JobSecret);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(limit);
        using var status = CliProgress.For(context, json, tick: TimeSpan.FromSeconds(1));
        using var client = WorkerClient.Connect(endpoint);
        try
        {
            status.Report($"waiting for job {file.JobIdHex[..10]}…");
            await foreach (var change in client.WatchJobAsync(file.JobId, accessToken, cts.Token))
            {
                status.Report($"job {SubmitFormat.State(change.State)}");
            }

            var result = await client.GetResultAsync(file.JobId, accessToken, cts.Token);
            using var resultKey = X25519KeyPair.FromPrivateKey(file.ResultPrivateKey);
            if (result.State == JobState.Failed)
            {
                var detail = result.Error;
                if (result.SealedOutput is not null)
                {
                    try
                    {
                        var sealedError = JobSubmitter.OpenOutput(result.SealedOutput, resultKey, file.JobId, file.Node).Error;
                        detail = string.IsNullOrEmpty(sealedError) ? detail : sealedError;
                    }
                    catch (WorkerClientException)
                    {
                        // the public reason stands on its own
                    }
                }

                throw new CliException($"job failed: {detail}");
            }

            if (result.State != JobState.Succeeded || result.SealedOutput is null || result.Receipt is null)
            {
                throw new CliException($"the job ended in state {SubmitFormat.State(result.State)} without a result");
            }

            var output = JobSubmitter.OpenOutput(result.SealedOutput, resultKey, file.JobId, file.Node);
            var receipt = ReceiptVerifier.Verify(result.Receipt, file.Node, file.QuoteHash, file.ChainId, file.Registry, file.JobId,
                file.ModelHash, file.InputHash, file.JobSecret, output);

            var inclusion = result.Inclusion;
            while (inclusion is null && waitInclusion && file.Rpc is not null)
            {
                status.Report("waiting for the receipt's batch on chain");
                await Task.Delay(TimeSpan.FromMilliseconds(500), cts.Token);
                inclusion = (await client.GetResultAsync(file.JobId, accessToken, cts.Token)).Inclusion;
            }

            var onChain = false;
            Chain.Merkle.ReceiptInclusionProof? proof = null;
            if (inclusion is not null)
            {
                ReceiptVerifier.VerifyInclusion(receipt, inclusion);
                if (file.Rpc is not null)
                {
                    status.Report("checking the inclusion on chain");
                    using var registry = await RegistryReader.ConnectAsync(file.Rpc, file.Registry, cts.Token);
                    await registry.VerifyInclusionOnChainAsync(receipt, inclusion, cts.Token);
                    onChain = true;
                }

                proof = JobResultFiles.ToProof(receipt, inclusion);
            }

            status.Clear();
            var written = JobResultFiles.Write(directory, output, receipt, proof);
            Print(context, json, file, output, receipt, inclusion, onChain, proof, directory, written);
            return CliApplication.ExitOk;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"timed out after {limit}");
        }
        catch (WorkerClientException ex)
        {
            throw SubmitFormat.ToCliException(ex);
        }
    }

    /// <summary>--job as a file, a folder holding job.json, or a job id looked up in --out DIR (default: the current folder).</summary>
    private static (string Path, string? ExpectedId) Locate(string job, string? outDirectory)
    {
        if (File.Exists(job))
        {
            return (job, null);
        }

        if (Directory.Exists(job))
        {
            return (Path.Combine(job, JobFile.FileName), null);
        }

        var hex = job.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? job[2..] : job;
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
        {
            throw new CliException($"--job '{job}' is neither a job id (0x + 64 hex digits) nor a job file or folder");
        }

        var path = Path.Combine(outDirectory ?? Directory.GetCurrentDirectory(), JobFile.FileName);
        return File.Exists(path) ? (path, "0x" + hex.ToLowerInvariant())
            : throw new CliException($"no job file {path} for job 0x{hex.ToLowerInvariant()}: give the --out DIR that 'submit --out' wrote it to");
    }

    private static void Print(CliContext context, bool json, JobFile file, JobOutput output, VerifiedReceipt receipt, InclusionProof? inclusion, bool onChain,
        Chain.Merkle.ReceiptInclusionProof? proof, string directory, IReadOnlyList<string> written)
    {
        if (!json)
        {
            context.Out.WriteLine($"job {file.JobIdHex}: succeeded on {file.Node.ToChecksumString()} ({output.ComputeBackend})");
            foreach (var tensor in output.Outputs)
            {
                context.Out.WriteLine("  " + SubmitTensorSummary.Describe(tensor.Name, tensor.Tensor.Span));
            }

            context.Out.WriteLine($"receipt {receipt.Digest}: hashes recomputed, signed by the node");
            context.Out.WriteLine(inclusion is null
                ? "on chain: the receipt's batch is not posted yet (fetch again later)"
                : $"on chain: batch {inclusion.BatchIndex} in block {inclusion.BlockNumber}, Merkle proof verified off chain{(onChain ? " and by the registry on chain" : "")}");
            context.Out.WriteLine($"written to {directory}: {string.Join(", ", written)}");
            context.Out.WriteLine("verified: true");
            return;
        }

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, CliJson.Writer))
        {
            writer.WriteStartObject();
            writer.WriteString("jobId", file.JobIdHex);
            writer.WriteString("node", file.Node.ToChecksumString());
            writer.WriteString("state", "succeeded");
            writer.WriteString("backend", output.ComputeBackend);
            writer.WriteNumber("chainId", file.ChainId);
            writer.WriteString("registry", file.Registry.ToChecksumString());
            writer.WriteStartArray("outputs");
            foreach (var tensor in output.Outputs)
            {
                SubmitTensorSummary.WriteJson(writer, tensor.Name, tensor.Tensor.Span);
            }

            writer.WriteEndArray();
            writer.WritePropertyName("receipt");
            using (var document = JsonDocument.Parse(receipt.ToJson()))
            {
                document.RootElement.WriteTo(writer);
            }

            writer.WriteString("receiptDigest", receipt.Digest.ToString());
            if (inclusion is not null)
            {
                JobResultFiles.WriteInclusionJson(writer, inclusion, onChain);
            }

            JobResultFiles.WriteProofJson(writer, proof);
            JobResultFiles.WriteFilesJson(writer, directory, written);
            writer.WriteBoolean("verified", true);
            writer.WriteEndObject();
        }

        context.Out.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
